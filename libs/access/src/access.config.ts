import { z } from 'zod';
import { secret } from '@lib/config';

/** Configuration of the access layer (environment variables). */
export const AccessConfigSchema = z.object({
  ADMIN_API_KEY: secret(z.string().min(24).optional()).describe(
    'Bearer key of the admin API (/admin/v1/*). No default: the admin API is disabled (403) while unset.',
  ),
});
export type AccessConfig = z.infer<typeof AccessConfigSchema>;

export const ACCESS_CONFIG = Symbol('ACCESS_CONFIG');
