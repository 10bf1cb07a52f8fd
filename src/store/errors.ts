/**
 * @module
 * `EtcdError` and the one table of etcd v2 error codes: code → message → HTTP status.
 * Messages are etcd 3.4's exact strings (v2-api-reference.md §4.4).
 */

/** Every etcd v2 error code cairn can produce. */
export const ErrorCode = {
  keyNotFound: 100,
  compareFailed: 101,
  notFile: 102,
  notDirectory: 104,
  nodeExist: 105,
  rootReadOnly: 107,
  directoryNotEmpty: 108,
  unauthorized: 110,
  prevValueRequired: 201,
  ttlNotNumber: 202,
  indexNotNumber: 203,
  invalidField: 209,
  invalidForm: 210,
  refreshValue: 211,
  refreshTtlRequired: 212,
  timeoutNotNumber: 205,
  nameRequired: 206,
  indexOrValueRequired: 207,
  indexValueMutex: 208,
  raftInternal: 300,
  leaderElect: 301,
  eventIndexCleared: 401,
  // Store capacity errors. etcd has no codes for these; 4xx-range codes beyond etcd's own
  // keep them distinct from every code an etcd client already interprets.
  watcherLimit: 402,
  storeLimit: 403,
  requestLimit: 406,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

interface ErrorDefinition {
  readonly message: string;
  readonly status: number;
}

/** The single code → message → status table. */
export const errorTable: Readonly<Record<ErrorCodeValue, ErrorDefinition>> = {
  100: { message: "Key not found", status: 404 },
  101: { message: "Compare failed", status: 412 },
  102: { message: "Not a file", status: 403 },
  104: { message: "Not a directory", status: 400 },
  105: { message: "Key already exists", status: 412 },
  107: { message: "Root is read only", status: 400 },
  108: { message: "Directory not empty", status: 403 },
  110: { message: "The request requires user authentication", status: 401 },
  201: { message: "PrevValue is Required in POST form", status: 400 },
  202: { message: "The given TTL in POST form is not a number", status: 400 },
  203: { message: "The given index in POST form is not a number", status: 400 },
  205: { message: "The given timeout in POST form is not a number", status: 400 },
  206: { message: "Name is required in POST form", status: 400 },
  207: { message: "Index or value is required", status: 400 },
  208: { message: "Index and value cannot both be specified", status: 400 },
  209: { message: "Invalid field", status: 400 },
  210: { message: "Invalid POST form", status: 400 },
  211: { message: "Value provided on refresh", status: 400 },
  212: { message: "A TTL must be provided on refresh", status: 400 },
  300: { message: "Raft Internal Error", status: 500 },
  301: { message: "During Leader Election", status: 500 },
  401: { message: "The event in requested index is outdated and cleared", status: 400 },
  402: { message: "Too many watchers", status: 503 },
  403: { message: "Store limit exceeded", status: 413 },
  406: { message: "Too many requests in flight", status: 503 },
};

/** A failed etcd operation, carried as a value until one mapper turns it into HTTP. */
export class EtcdError extends Error {
  override readonly name = "EtcdError";
  readonly errorCode: ErrorCodeValue;
  override readonly cause: string;
  /** The etcd index reported with the error (0 for request-validation errors). */
  readonly index: number;

  constructor(errorCode: ErrorCodeValue, cause: string, index: number) {
    super(errorTable[errorCode].message);
    this.errorCode = errorCode;
    this.cause = cause;
    this.index = index;
  }

  /** The HTTP status etcd answers this error with. */
  get status(): number {
    return errorTable[this.errorCode].status;
  }

  /** etcd's JSON body; `cause` is left out when empty, as etcd does. */
  toJSON(): { errorCode: number; message: string; cause?: string; index: number } {
    const { errorCode, message, cause, index } = this;
    if (cause === "") return { errorCode, message, index };
    return { errorCode, message, cause, index };
  }
}
