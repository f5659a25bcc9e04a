/**
 * The part of node-oracledb (thin mode) the Oracle source uses. The package ships no type
 * declarations and @types/oracledb would be one more dependency for six calls.
 */
declare module 'oracledb' {
  import type { Readable } from 'node:stream';

  export interface DbType {
    readonly name: string;
    readonly num: number;
  }

  export interface Metadata {
    readonly name: string;
    readonly dbType?: DbType;
    readonly dbTypeName?: string;
    readonly nullable?: boolean;
  }

  export interface FetchTypeResult {
    readonly type?: DbType | number;
    readonly converter?: (value: unknown) => unknown;
  }

  export interface ExecuteOptions {
    readonly outFormat?: number;
    readonly fetchArraySize?: number;
    readonly prefetchRows?: number;
    readonly fetchTypeHandler?: (metaData: Metadata) => FetchTypeResult | undefined;
    readonly maxRows?: number;
  }

  export interface Result<T> {
    readonly rows?: T[];
    readonly metaData?: Metadata[];
  }

  export interface Connection {
    callTimeout: number;
    readonly oracleServerVersionString?: string;
    execute<T = Record<string, unknown>>(sql: string, binds?: unknown[] | Record<string, unknown>, options?: ExecuteOptions): Promise<Result<T>>;
    queryStream(sql: string, binds?: unknown[] | Record<string, unknown>, options?: ExecuteOptions): Readable;
    rollback(): Promise<void>;
    close(options?: { drop?: boolean }): Promise<void>;
  }

  export interface Pool {
    getConnection(): Promise<Connection>;
    close(drainTime?: number): Promise<void>;
  }

  export interface ConnectionAttributes {
    user?: string;
    password?: string;
    connectString?: string;
    connectTimeout?: number;
    transportConnectTimeout?: number;
    poolMin?: number;
    poolMax?: number;
    poolIncrement?: number;
    poolTimeout?: number;
    queueTimeout?: number;
    expireTime?: number;
  }

  interface OracleDb {
    readonly thin: boolean;
    readonly versionString: string;
    readonly OUT_FORMAT_OBJECT: number;
    readonly OUT_FORMAT_ARRAY: number;
    readonly STRING: DbType;
    readonly DB_TYPE_NUMBER: DbType;
    readonly DB_TYPE_BINARY_FLOAT: DbType;
    readonly DB_TYPE_BINARY_DOUBLE: DbType;
    readonly DB_TYPE_DATE: DbType;
    readonly DB_TYPE_TIMESTAMP: DbType;
    readonly DB_TYPE_TIMESTAMP_TZ: DbType;
    readonly DB_TYPE_TIMESTAMP_LTZ: DbType;
    readonly DB_TYPE_CLOB: DbType;
    readonly DB_TYPE_NCLOB: DbType;
    readonly DB_TYPE_VARCHAR: DbType;
    createPool(attrs: ConnectionAttributes): Promise<Pool>;
    getConnection(attrs: ConnectionAttributes): Promise<Connection>;
  }

  const oracledb: OracleDb;
  export default oracledb;
}
