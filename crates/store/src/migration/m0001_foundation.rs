//! The foundation: accounts, sessions, one-time codes, the SMS outbox, the audit log,
//! idempotency keys, and the catalog, area and worker tables that the demo city fills.

use super::util::{code, code_null, index, ts, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        let tables = vec![
            Table::create()
                .table("app_meta")
                .col(string_len("key", 64).primary_key())
                .col(text("value"))
                .col(ts(b, "updated_at"))
                .take(),
            Table::create()
                .table("customer")
                .col(uuid("id").primary_key())
                .col(text("phone_enc"))
                .col(code("phone_index"))
                .col(string_len("nickname", 64))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .take(),
            Table::create()
                .table("customer_address")
                .col(uuid("id").primary_key())
                .col(uuid("customer_id"))
                .col(string_len("label", 32))
                .col(text("contact_name_enc"))
                .col(text("contact_phone_enc"))
                .col(text("address_enc"))
                .col(text("house_number_enc"))
                .col(double("lat"))
                .col(double("lng"))
                .col(code_null("area_code"))
                .col(boolean("is_default"))
                .col(ts(b, "created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("customer_address", "customer_id")
                        .to("customer", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
            Table::create()
                .table("worker")
                .col(uuid("id").primary_key())
                .col(code("code"))
                .col(text("phone_enc"))
                .col(code("phone_index"))
                .col(string_len("name", 64))
                .col(string_len("gender", 16))
                .col(text("skills"))
                .col(integer("rating_tenths"))
                .col(integer("years_experience"))
                .col(double("home_lat"))
                .col(double("home_lng"))
                .col(code_null("area_code"))
                .col(boolean("active"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .take(),
            Table::create()
                .table("worker_shift")
                .col(uuid("id").primary_key())
                .col(uuid("worker_id"))
                .col(small_integer("weekday"))
                .col(integer("start_minute"))
                .col(integer("end_minute"))
                .col(integer_null("break_start_minute"))
                .col(integer_null("break_end_minute"))
                .foreign_key(
                    ForeignKey::create()
                        .from("worker_shift", "worker_id")
                        .to("worker", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
            Table::create()
                .table("staff")
                .col(uuid("id").primary_key())
                .col(code("username"))
                .col(string_len("name", 64))
                .col(text_null("phone_enc"))
                .col(code_null("phone_index"))
                .col(string_len("password_hash", 255))
                .col(code("role"))
                .col(boolean("active"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .take(),
            Table::create()
                .table("auth_session")
                .col(uuid("id").primary_key())
                .col(code("audience"))
                .col(uuid("subject_id"))
                .col(ts(b, "created_at"))
                .col(ts(b, "last_used_at"))
                .col(ts(b, "expires_at"))
                .col(ts_null(b, "revoked_at"))
                .col(code_null("revoked_reason"))
                .col(string_len_null("user_agent", 255))
                .col(string_len_null("ip", 64))
                .take(),
            Table::create()
                .table("auth_refresh_token")
                .col(code("token_hash").primary_key())
                .col(uuid("session_id"))
                .col(ts(b, "issued_at"))
                .col(ts_null(b, "used_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("auth_refresh_token", "session_id")
                        .to("auth_session", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
            Table::create()
                .table("otp_code")
                .col(uuid("id").primary_key())
                .col(code("phone_index"))
                .col(code("audience"))
                .col(code("code_hash"))
                .col(string_len_null("ip", 64))
                .col(ts(b, "created_at"))
                .col(ts(b, "expires_at"))
                .col(integer("attempts"))
                .col(ts_null(b, "consumed_at"))
                .take(),
            Table::create()
                .table("sms_outbox")
                .col(uuid("id").primary_key())
                .col(ts(b, "created_at"))
                .col(text("phone_enc"))
                .col(code("phone_index"))
                .col(string_len("phone_masked", 32))
                .col(code("template"))
                .col(text("content"))
                .col(code("provider"))
                .col(code("status"))
                .col(string_len_null("provider_message_id", 128))
                .col(text_null("error"))
                .take(),
            Table::create()
                .table("audit_log")
                .col(uuid("id").primary_key())
                .col(ts(b, "at"))
                .col(code("actor_type"))
                .col(uuid_null("actor_id"))
                .col(string_len_null("actor_name", 64))
                .col(code("action"))
                .col(code("target_type"))
                .col(string_len_null("target_id", 64))
                .col(text_null("before_json"))
                .col(text_null("after_json"))
                .col(string_len_null("request_id", 64))
                .col(string_len_null("ip", 64))
                .take(),
            Table::create()
                .table("idempotency_key")
                .col(uuid("id").primary_key())
                .col(string_len("scope", 128))
                .col(string_len("key", 128))
                .col(code("request_hash"))
                .col(integer_null("status_code"))
                .col(text_null("response_body"))
                .col(string_len_null("content_type", 128))
                .col(ts(b, "created_at"))
                .col(ts_null(b, "completed_at"))
                .col(ts(b, "expires_at"))
                .take(),
            Table::create()
                .table("service_area")
                .col(uuid("id").primary_key())
                .col(code("code"))
                .col(string_len("name", 64))
                .col(string_len("name_en", 64))
                .col(string_len("city", 64))
                .col(code("timezone"))
                .col(text("polygon"))
                .col(integer("open_minute"))
                .col(integer("close_minute"))
                .col(integer("lead_minutes"))
                .col(integer("horizon_days"))
                .col(boolean("active"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .take(),
            Table::create()
                .table("service_category")
                .col(uuid("id").primary_key())
                .col(code("code"))
                .col(code_null("parent_code"))
                .col(string_len("name", 64))
                .col(string_len("name_en", 64))
                .col(integer("sort"))
                .take(),
            Table::create()
                .table("service_item")
                .col(uuid("id").primary_key())
                .col(code("code"))
                .col(code("category_code"))
                .col(string_len("name", 128))
                .col(string_len("name_en", 128))
                .col(text("description"))
                .col(string_len("unit", 16))
                .col(big_integer("base_price_fen"))
                .col(integer("base_duration_min"))
                .col(integer("buffer_min"))
                .col(text("skills"))
                .col(text("tools"))
                .col(text("notes"))
                .col(text("options"))
                .col(code("payment_mode"))
                .col(big_integer("deposit_fen"))
                .col(boolean("on_shelf"))
                .col(integer("sort"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .take(),
        ];
        for t in tables {
            m.create_table(t).await?;
        }
        let indexes = [
            index("customer", &["phone_index"], true),
            index("customer_address", &["customer_id"], false),
            index("worker", &["code"], true),
            index("worker", &["phone_index"], true),
            index("worker_shift", &["worker_id"], false),
            index("staff", &["username"], true),
            index("staff", &["phone_index"], false),
            index("auth_session", &["audience", "subject_id"], false),
            index("auth_refresh_token", &["session_id"], false),
            index("otp_code", &["phone_index", "created_at"], false),
            index("otp_code", &["ip", "created_at"], false),
            index("sms_outbox", &["created_at"], false),
            index("audit_log", &["at"], false),
            index("audit_log", &["actor_id", "at"], false),
            index("idempotency_key", &["scope", "key"], true),
            index("service_area", &["code"], true),
            index("service_category", &["code"], true),
            index("service_item", &["code"], true),
            index("service_item", &["category_code"], false),
        ];
        for i in indexes {
            m.create_index(i).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "service_item",
            "service_category",
            "service_area",
            "idempotency_key",
            "audit_log",
            "sms_outbox",
            "otp_code",
            "auth_refresh_token",
            "auth_session",
            "staff",
            "worker_shift",
            "worker",
            "customer_address",
            "customer",
            "app_meta",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
