import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readRequestBody, SimulatorServer } from '../simulator-server.ts';
import {
  IAM_ERROR_STATUS,
  type IamAnswer,
  type IamError,
  iamError,
  type SimulatedIamAccount,
  type XmlValue,
} from './account.ts';

/**
 * The simulated IAM's HTTP endpoint: the IAM Query API as the AWS SDK speaks it (POST,
 * form-encoded `Action=...&Version=2010-05-08`, SigV4-signed), answering the documented XML
 * shapes, for exactly the actions the AWS IAM identity provider calls.
 */

const IAM_API_VERSION = '2010-05-08';
const XML_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';
const MAX_BODY_BYTES = 1024 * 1024;

/** A fault for the next `times` requests whose action matches. */
export interface IamFaultRule {
  /** The IAM action, e.g. `PutRolePolicy`, or a RegExp on it; absent: every action. */
  action?: string | RegExp;
  /** IAM error code, e.g. `AccessDenied`, `Throttling`; defaults by status. */
  code?: string;
  /** HTTP status; defaults to the code's documented one (e.g. 403 AccessDenied, 400 Throttling). */
  status?: number;
  message?: string;
  /** Hold the answer this long; with no code or status, then answer normally. */
  delayMs?: number;
  times?: number;
}

export interface IamRequestRecord {
  at: string;
  action: string;
  /** The request's parameters other than Action and Version (no secrets travel in them). */
  params: Record<string, string>;
  /** Whether a SigV4 `Authorization` header was present (its validity is not checked). */
  signed: boolean;
  /** `<region>/<service>` from the SigV4 credential scope. */
  scope?: string;
  status: number;
  code?: string;
  injected: boolean;
}

const DEFAULT_CODES: Record<number, string> = {
  400: 'ValidationError',
  403: 'AccessDenied',
  404: 'NoSuchEntity',
  409: 'LimitExceeded',
  500: 'ServiceFailure',
  503: 'ServiceUnavailable',
};

interface Param {
  /** The member name IAM's validation messages use. */
  member: string;
  required: boolean;
  min: number;
  max: number;
  pattern?: RegExp;
  patternText?: string;
  values?: readonly string[];
}

const param = (member: string, min: number, max: number, pattern?: RegExp, text?: string) => ({
  member,
  required: true,
  min,
  max,
  ...(pattern && text ? { pattern, patternText: text } : {}),
});
const optional = (p: Param): Param => ({ ...p, required: false });

const ROLE_NAME = param('roleName', 1, 64, /^[\w+=,.@-]+$/, '[\\w+=,.@-]+');
const USER_NAME = param('userName', 1, 128, /^[\w+=,.@-]+$/, '[\\w+=,.@-]+');
const POLICY_NAME = param('policyName', 1, 128, /^[\w+=,.@-]+$/, '[\\w+=,.@-]+');
const POLICY_DOCUMENT = param('policyDocument', 1, 131_072);
const ACCESS_KEY_ID = param('accessKeyId', 16, 128, /^\w+$/, '[\\w]+');
const STATUS: Param = { ...param('status', 1, 16), values: ['Active', 'Inactive'] };
const MARKER = optional(param('marker', 1, 320));
const MAX_ITEMS = optional(param('maxItems', 1, 4, /^\d+$/, '[0-9]+'));

interface ActionSpec {
  params: Record<string, Param>;
  write: boolean;
  run(account: SimulatedIamAccount, p: Record<string, string | undefined>): IamAnswer;
}

const str = (value: string | undefined) => value ?? '';

/** The actions AwsIamIdentityProvider calls; anything else answers InvalidAction. */
const ACTIONS: Record<string, ActionSpec> = {
  PutRolePolicy: {
    params: { RoleName: ROLE_NAME, PolicyName: POLICY_NAME, PolicyDocument: POLICY_DOCUMENT },
    write: true,
    run: (a, p) => a.putRolePolicy(str(p.RoleName), str(p.PolicyName), str(p.PolicyDocument)),
  },
  DeleteRolePolicy: {
    params: { RoleName: ROLE_NAME, PolicyName: POLICY_NAME },
    write: true,
    run: (a, p) => a.deleteRolePolicy(str(p.RoleName), str(p.PolicyName)),
  },
  GetRole: {
    params: { RoleName: ROLE_NAME },
    write: false,
    run: (a, p) => a.getRole(str(p.RoleName)),
  },
  GetRolePolicy: {
    params: { RoleName: ROLE_NAME, PolicyName: POLICY_NAME },
    write: false,
    run: (a, p) => a.getRolePolicy(str(p.RoleName), str(p.PolicyName)),
  },
  ListRolePolicies: {
    params: { RoleName: ROLE_NAME, Marker: MARKER, MaxItems: MAX_ITEMS },
    write: false,
    run: (a, p) => a.listRolePolicies(str(p.RoleName), p.Marker, Number(p.MaxItems ?? 100)),
  },
  UpdateAccessKey: {
    // IAM infers UserName from the signing key when absent; the simulator has no such user.
    params: { UserName: USER_NAME, AccessKeyId: ACCESS_KEY_ID, Status: STATUS },
    write: true,
    run: (a, p) => a.updateAccessKey(str(p.UserName), str(p.AccessKeyId), str(p.Status)),
  },
  ListAccessKeys: {
    params: { UserName: USER_NAME, Marker: MARKER, MaxItems: MAX_ITEMS },
    write: false,
    run: (a, p) => a.listAccessKeys(str(p.UserName), p.Marker, Number(p.MaxItems ?? 100)),
  },
};

export interface SimulatedIamServerOptions {
  account: SimulatedIamAccount;
  latencyMs: number;
  now: () => Date;
  /** Called after every write that changed the account. */
  onChange?: () => void;
}

export class SimulatedIamServer extends SimulatorServer<IamFaultRule, IamRequestRecord> {
  readonly #account: SimulatedIamAccount;
  readonly #options: SimulatedIamServerOptions;
  #endpoint = '';

  constructor(options: SimulatedIamServerOptions) {
    super(options.latencyMs);
    this.#options = options;
    this.#account = options.account;
  }

  /** http://127.0.0.1:<port>: the IAMClient's `endpoint`. */
  get endpoint(): string {
    return this.#endpoint;
  }

  async listen(): Promise<void> {
    this.#endpoint = await this.open(
      'http',
      (listener) => createServer(listener),
      (req, res) => this.#handle(req, res),
      (error) => ({
        contentType: 'text/xml',
        body: errorXml({ status: 500, code: 'ServiceFailure', message: String(error) }),
      }),
    );
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulated.invalid');
    const raw = await readRequestBody(req, MAX_BODY_BYTES);
    const form = new URLSearchParams(req.method === 'POST' ? (raw ?? '') : url.search);
    const action = form.get('Action') ?? '';
    const params: Record<string, string> = {};
    for (const [key, value] of form) if (key !== 'Action' && key !== 'Version') params[key] = value;
    const authorization = req.headers.authorization ?? '';
    const scope = /Credential=[^/,]+\/\d{8}\/([^/,]+)\/([^/,]+)\/aws4_request/.exec(authorization);
    const record: IamRequestRecord = {
      at: this.#options.now().toISOString(),
      action,
      params,
      signed: authorization.startsWith('AWS4-HMAC-SHA256 '),
      ...(scope ? { scope: `${scope[1]}/${scope[2]}` } : {}),
      status: 0,
      injected: false,
    };
    await this.admit(record);

    const answer =
      raw === undefined
        ? iamError('ValidationError', `Request body exceeds ${MAX_BODY_BYTES} bytes.`)
        : await this.#answer(req.method ?? 'GET', form, action, params, record, scope);
    const requestId = randomUUID();
    record.status = answer.ok ? 200 : answer.error.status;
    if (!answer.ok) record.code = answer.error.code;
    res.writeHead(record.status, { 'content-type': 'text/xml', 'x-amzn-RequestId': requestId });
    res.end(
      answer.ok ? resultXml(action, answer.result, requestId) : errorXml(answer.error, requestId),
    );
  }

  async #answer(
    method: string,
    form: URLSearchParams,
    action: string,
    params: Record<string, string>,
    record: IamRequestRecord,
    scope: RegExpExecArray | null,
  ): Promise<IamAnswer> {
    if (method !== 'POST' && method !== 'GET') {
      return iamError('InvalidAction', `The HTTP method ${method} is not supported.`);
    }
    // SigV4 is required; its signature is not verified (the credentials are simulated).
    if (!record.signed) {
      return iamError('MissingAuthenticationToken', 'Request is missing Authentication Token');
    }
    if (!scope) {
      return iamError(
        'IncompleteSignature',
        'Authorization header requires a Credential parameter of the form <key>/<date>/<region>/iam/aws4_request.',
      );
    }
    if (scope[2] !== 'iam') {
      return iamError(
        'SignatureDoesNotMatch',
        `Credential should be scoped to correct service: 'iam'.`,
      );
    }
    if (scope[1] !== 'us-east-1') {
      return iamError(
        'SignatureDoesNotMatch',
        `Credential should be scoped to a valid region. (IAM signs in us-east-1, not ${scope[1]})`,
      );
    }

    const fault = this.#takeFault(action);
    if (fault?.delayMs) await this.sleep(fault.delayMs);
    if (fault && (fault.code !== undefined || fault.status !== undefined)) {
      record.injected = true;
      const status = fault.status ?? IAM_ERROR_STATUS[fault.code ?? ''] ?? 400;
      const code = fault.code ?? DEFAULT_CODES[status] ?? 'InternalFailure';
      return iamError(code, fault.message ?? injectedMessage(code, action, this.#account), status);
    }

    if (action === '') return iamError('InvalidAction', 'The request must contain an Action.');
    const spec = ACTIONS[action];
    if (!spec) {
      return iamError(
        'InvalidAction',
        `Could not find operation ${action} for version ${form.get('Version') ?? '(none)'}`,
      );
    }
    if (form.get('Version') !== IAM_API_VERSION) {
      return iamError(
        'InvalidAction',
        `Could not find operation ${action} for version ${form.get('Version') ?? '(none)'}`,
      );
    }
    const invalid = validate(spec.params, params);
    if (invalid) return invalid;
    const answer = spec.run(this.#account, params);
    if (spec.write && answer.ok) this.#options.onChange?.();
    return answer;
  }

  #takeFault(action: string): IamFaultRule | undefined {
    return this.takeFault(
      (f) =>
        f.action === undefined ||
        (typeof f.action === 'string' ? f.action === action : f.action.test(action)),
    );
  }
}

/** IAM's constraint messages: `1 validation error detected: Value ... at 'roleName' ...`. */
function validate(
  spec: Record<string, Param>,
  params: Record<string, string>,
): IamAnswer | undefined {
  const problems: string[] = [];
  for (const [name, p] of Object.entries(spec)) {
    const value = params[name];
    if (value === undefined) {
      if (p.required) {
        problems.push(
          `Value null at '${p.member}' failed to satisfy constraint: Member must not be null`,
        );
      }
      continue;
    }
    const at = `Value '${value.slice(0, 64)}' at '${p.member}' failed to satisfy constraint:`;
    if (value.length < p.min || value.length > p.max) {
      problems.push(
        `${at} Member must have length ${value.length < p.min ? 'greater than or equal to' : 'less than or equal to'} ${value.length < p.min ? p.min : p.max}`,
      );
    } else if (p.pattern && !p.pattern.test(value)) {
      problems.push(`${at} Member must satisfy regular expression pattern: ${p.patternText}`);
    } else if (p.values && !p.values.includes(value)) {
      problems.push(`${at} Member must satisfy enum value set: [${p.values.join(', ')}]`);
    } else if (p.member === 'maxItems' && (Number(value) < 1 || Number(value) > 1000)) {
      problems.push(`${at} Member must have value between 1 and 1000`);
    }
  }
  if (problems.length === 0) return undefined;
  const count = `${problems.length} validation error${problems.length === 1 ? '' : 's'} detected`;
  return iamError('ValidationError', `${count}: ${problems.join('; ')}`);
}

function injectedMessage(code: string, action: string, account: SimulatedIamAccount): string {
  if (code === 'AccessDenied') {
    return `User: arn:${account.partition}:sts::${account.accountId}:assumed-role/simulated-responder/local is not authorized to perform: iam:${action} because no identity-based policy allows the iam:${action} action`;
  }
  if (code === 'Throttling') return 'Rate exceeded';
  return `Injected fault: ${code}.`;
}

/** Text content only (no attributes are rendered from data): &, < and > need escaping. */
function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function toXml(value: XmlValue): string {
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([tag, inner]) => `<${tag}>${toXml(inner)}</${tag}>`)
      .join('');
  }
  return escapeXml(String(value));
}

function resultXml(
  action: string,
  result: { [tag: string]: XmlValue } | undefined,
  requestId: string,
): string {
  const body = result === undefined ? '' : `<${action}Result>${toXml(result)}</${action}Result>`;
  return (
    `<${action}Response xmlns="${XML_NAMESPACE}">${body}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

function errorXml(error: IamError, requestId: string = randomUUID()): string {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>${type}</Type>` +
    `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
