// Types of scripts/services/s3.mjs, for the tests and benches that start their own S3-protocol server.
export declare const S3RVER_TESTED_VERSION: string;
export declare const BUCKETS: { readonly private: string; readonly public: string };
/** Starts (or finds running) the server whose data, log, pid and port live under `stateDir`. */
export declare function start(options: { stateDir: string }): Promise<{ env: Record<string, string> }>;
/** Stops it; the data stays, and the next start serves it again on the same port if free. */
export declare function stop(options: { stateDir: string }): Promise<void>;
