/** Replaced by the bundler with package.json's version; undefined when run from source. */
declare const BLUELINE_VERSION: string | undefined;
