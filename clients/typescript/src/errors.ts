import { Code, ConnectError } from "@connectrpc/connect";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/** A field the server rejected, from `google.rpc.BadRequest.FieldViolation`. */
export interface FieldViolation {
  /** Path of the offending field, for example `"ticket.title"`. */
  field: string;
  /** Why it was rejected, for example `"is required"`. */
  description: string;
}

/** A failed call: `code` is the gRPC status code, `message` the server's message. */
export class HelpdeskError extends Error {
  readonly code: Code;
  readonly cause: ConnectError;

  constructor(error: ConnectError) {
    super(`${Code[error.code] ?? error.code}: ${error.rawMessage}`);
    this.name = "HelpdeskError";
    this.code = error.code;
    this.cause = error;
  }
}

/** INVALID_ARGUMENT, with the field violations from the `google.rpc.BadRequest` detail. */
export class HelpdeskValidationError extends HelpdeskError {
  readonly violations: FieldViolation[];

  constructor(error: ConnectError, violations: FieldViolation[]) {
    super(error);
    this.name = "HelpdeskValidationError";
    this.violations = violations;
  }

  /** The field paths named by the violations, in order. */
  get fields(): string[] {
    return this.violations.map((v) => v.field);
  }
}

const NEEDS_SCOPE = /needs the scope (\S+)/;

/**
 * A call the server refused to its caller. `Unauthenticated`: no credential, or one it does not
 * know (a wrong, expired or malformed token). `PermissionDenied`: a known caller without the scope
 * the call needs; `scope` names it (such as `"tickets.write"`), from the server's message
 * "this call needs the scope <scope>".
 */
export class HelpdeskAuthError extends HelpdeskError {
  /** The scope the call needs (PermissionDenied), or undefined. */
  readonly scope: string | undefined;

  constructor(error: ConnectError) {
    super(error);
    this.name = "HelpdeskAuthError";
    this.scope = error.code === Code.PermissionDenied ? NEEDS_SCOPE.exec(error.rawMessage)?.[1] : undefined;
  }
}

const BAD_REQUEST = "google.rpc.BadRequest";

/**
 * Decodes `google.rpc.BadRequest` details (field 1: repeated FieldViolation
 * with field = 1, description = 2) straight from the wire bytes, so no
 * google.rpc schema has to be generated or bundled.
 */
export function badRequestViolations(error: ConnectError): FieldViolation[] {
  const violations: FieldViolation[] = [];
  for (const detail of error.details) {
    if (!("type" in detail) || detail.type !== BAD_REQUEST) {
      continue;
    }
    const reader = new BinaryReader(detail.value);
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = reader.tag();
      if (fieldNo === 1 && wireType === WireType.LengthDelimited) {
        violations.push(decodeViolation(reader.bytes()));
      } else {
        reader.skip(wireType, fieldNo);
      }
    }
  }
  return violations;
}

function decodeViolation(bytes: Uint8Array): FieldViolation {
  const reader = new BinaryReader(bytes);
  const violation: FieldViolation = { field: "", description: "" };
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    if (fieldNo === 1 && wireType === WireType.LengthDelimited) {
      violation.field = reader.string();
    } else if (fieldNo === 2 && wireType === WireType.LengthDelimited) {
      violation.description = reader.string();
    } else {
      reader.skip(wireType, fieldNo);
    }
  }
  return violation;
}

/** Turns any error from a call into a HelpdeskError (or HelpdeskValidationError, HelpdeskAuthError). */
export function translateError(reason: unknown): HelpdeskError {
  if (reason instanceof HelpdeskError) {
    return reason;
  }
  const error = ConnectError.from(reason);
  if (error.code === Code.InvalidArgument) {
    return new HelpdeskValidationError(error, badRequestViolations(error));
  }
  if (error.code === Code.Unauthenticated || error.code === Code.PermissionDenied) {
    return new HelpdeskAuthError(error);
  }
  return new HelpdeskError(error);
}
