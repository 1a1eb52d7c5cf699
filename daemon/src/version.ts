/** The version baked in by the bundler, or 'dev' when run from source. */
export const VERSION: string = typeof BLUELINE_VERSION === 'string' ? BLUELINE_VERSION : 'dev';
