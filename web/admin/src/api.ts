/** The console's API client; its tokens live under the `admin` key. */
import { createApi } from '@daojia/shared';

export const api = createApi('admin');
