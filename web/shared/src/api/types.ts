/** Short names for the schemas of the generated OpenAPI types. */
import type { components } from './schema';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];
export type FieldError = Schemas['FieldError'];
export type TokenPair = Schemas['TokenPair'];
export type OtpSent = Schemas['OtpSent'];
export type PublicConfig = Schemas['PublicConfig'];
export type CustomerMe = Schemas['CustomerMe'];
export type WorkerMe = Schemas['WorkerMe'];
export type StaffMe = Schemas['StaffMe'];
export type SessionInfo = Schemas['SessionInfo'];
export type RoleInfo = Schemas['RoleInfo'];
export type Role = Schemas['Role'];
export type Staff = Schemas['Staff'];
export type NewStaff = Schemas['NewStaff'];
export type StaffPatch = Schemas['StaffPatch'];
export type AuditEntry = Schemas['AuditEntry'];
export type SmsMessage = Schemas['SmsMessage'];
export type CustomerSummary = Schemas['CustomerSummary'];
export type WorkerSummary = Schemas['WorkerSummary'];
export type Overview = Schemas['Overview'];
export type Catalog = Schemas['Catalog'];
export type CategoryView = Schemas['CategoryView'];
export type ItemView = Schemas['ItemView'];
export type ItemOptionView = Schemas['ItemOptionView'];
export type QuoteView = Schemas['QuoteView'];
export type AreaView = Schemas['AreaView'];
export type OrderView = Schemas['OrderView'];
export type EventView = Schemas['EventView'];
export type LineView = Schemas['LineView'];
export type AdminOrder = Schemas['AdminOrder'];
export type PaymentView = Schemas['PaymentView'];
export type LineInput = Schemas['LineInput'];
export type SlotsView = Schemas['SlotsView'];
export type AddressView = Schemas['AddressView'];
export type AddressInput = Schemas['AddressInput'];
export type PlaceView = Schemas['PlaceView'];
export type GeocodeResult = Schemas['GeocodeResult'];
export type UploadView = Schemas['UploadView'];
export type PhotoView = Schemas['PhotoView'];
export type PromotionView = Schemas['PromotionView'];
export type PromotionInput = Schemas['PromotionInput'];
export type PublicPromotion = Schemas['PublicPromotion'];
export type BookedPromotion = Schemas['BookedPromotion'];

/** Which app a token belongs to; each keeps its own tokens. */
export type Audience = 'customer' | 'worker' | 'admin';
