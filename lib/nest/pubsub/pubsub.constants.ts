/** Metadata key of `@OnChannel` on a provider method. */
export const ON_CHANNEL_METADATA = 'nestjs-store:on-channel';
