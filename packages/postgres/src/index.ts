// The public API of @rollback-kit/postgres. Every export is named here on purpose.

// --- pg-core: connection, errors, child credentials (connection*.ts) ---
export { classifyPgError, isPgError } from './connection-errors.js'
export type {
  AuthenticationFailed,
  ConnectionFailed,
  DatabaseExists,
  DatabaseNotFound,
  Deadlock,
  InsufficientPrivilege,
  LockNotAvailable,
  ObjectInUse,
  PgError,
  PgErrorContext,
  QueryCanceled,
  QueryFailed,
} from './connection-errors.js'
export {
  connect,
  redactConnection,
  resolveConnection,
  toPgClientConfig,
  withClient,
} from './connection.js'
export type {
  ConnectError,
  ConnectOptions,
  OpenPgSession,
  PgConnection,
  PgConnectionConfig,
  PgSession,
  ResolvedConnection,
} from './connection.js'
export { childProcessEnv, conninfoDbname } from './connection-child-env.js'
export type {
  ChildCredentials,
  ChildProcessEnvError,
  CredentialsWriteFailed,
} from './connection-child-env.js'
// --- end pg-core: connection ---
