/**
 * Typed views of the OpAMP messages (`proto/opamp.proto`), with protobufjs' camelCase
 * field names. Every field is optional: a decoded message holds only the fields that were
 * on the wire, so an absent sub-message means "unchanged" (spec: agents may omit
 * unchanged sub-messages). `bytes` are `Uint8Array`; 64-bit integers are `number`
 * (precise up to 2^53, which every value Ringmaster reads stays below); enums are numbers,
 * named by the `as const` objects at the end of this file.
 */

export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number;
  doubleValue?: number;
  arrayValue?: ArrayValue;
  kvlistValue?: KeyValueList;
  bytesValue?: Uint8Array;
}

export interface ArrayValue {
  values?: AnyValue[];
}

export interface KeyValueList {
  values?: KeyValue[];
}

export interface KeyValue {
  key?: string;
  value?: AnyValue;
}

export interface AgentToServer {
  instanceUid?: Uint8Array;
  sequenceNum?: number;
  agentDescription?: AgentDescription;
  /** Bits of `AgentCapabilities`. */
  capabilities?: number;
  health?: ComponentHealth;
  effectiveConfig?: EffectiveConfig;
  remoteConfigStatus?: RemoteConfigStatus;
  packageStatuses?: PackageStatuses;
  agentDisconnect?: AgentDisconnect;
  /** Bits of `AgentToServerFlags`. */
  flags?: number;
  connectionSettingsRequest?: ConnectionSettingsRequest;
  customCapabilities?: CustomCapabilities;
  customMessage?: CustomMessage;
  availableComponents?: AvailableComponents;
  connectionSettingsStatus?: ConnectionSettingsStatus;
}

/** Empty: its presence is the message. */
export type AgentDisconnect = Record<string, never>;

export interface ConnectionSettingsRequest {
  opamp?: OpAMPConnectionSettingsRequest;
}

export interface OpAMPConnectionSettingsRequest {
  certificateRequest?: CertificateRequest;
}

export interface CertificateRequest {
  csr?: Uint8Array;
}

export interface AvailableComponents {
  components?: Record<string, ComponentDetails>;
  hash?: Uint8Array;
}

export interface ComponentDetails {
  metadata?: KeyValue[];
  subComponentMap?: Record<string, ComponentDetails>;
}

export interface ServerToAgent {
  instanceUid?: Uint8Array;
  errorResponse?: ServerErrorResponse;
  remoteConfig?: AgentRemoteConfig;
  connectionSettings?: ConnectionSettingsOffers;
  packagesAvailable?: PackagesAvailable;
  /** Bits of `ServerToAgentFlags`. */
  flags?: number;
  /** Bits of `ServerCapabilities`. */
  capabilities?: number;
  agentIdentification?: AgentIdentification;
  command?: ServerToAgentCommand;
  customCapabilities?: CustomCapabilities;
  customMessage?: CustomMessage;
}

export interface OpAMPConnectionSettings {
  destinationEndpoint?: string;
  headers?: Headers;
  certificate?: TLSCertificate;
  heartbeatIntervalSeconds?: number;
  tls?: TLSConnectionSettings;
  proxy?: ProxyConnectionSettings;
}

export interface TelemetryConnectionSettings {
  destinationEndpoint?: string;
  headers?: Headers;
  certificate?: TLSCertificate;
  tls?: TLSConnectionSettings;
  proxy?: ProxyConnectionSettings;
}

export interface OtherConnectionSettings {
  destinationEndpoint?: string;
  headers?: Headers;
  certificate?: TLSCertificate;
  otherSettings?: Record<string, string>;
  tls?: TLSConnectionSettings;
  proxy?: ProxyConnectionSettings;
}

export interface TLSConnectionSettings {
  caPemContents?: string;
  includeSystemCaCertsPool?: boolean;
  insecureSkipVerify?: boolean;
  minVersion?: string;
  maxVersion?: string;
  cipherSuites?: string[];
}

export interface ProxyConnectionSettings {
  url?: string;
  connectHeaders?: Headers;
}

export interface Headers {
  headers?: Header[];
}

export interface Header {
  key?: string;
  value?: string;
}

export interface TLSCertificate {
  cert?: Uint8Array;
  privateKey?: Uint8Array;
  caCert?: Uint8Array;
}

export interface ConnectionSettingsOffers {
  hash?: Uint8Array;
  opamp?: OpAMPConnectionSettings;
  ownMetrics?: TelemetryConnectionSettings;
  ownTraces?: TelemetryConnectionSettings;
  ownLogs?: TelemetryConnectionSettings;
  otherConnections?: Record<string, OtherConnectionSettings>;
}

/** The complete package set for one agent (spec: the agent deletes what is not offered). */
export interface PackagesAvailable {
  /** Keyed by package name. */
  packages?: Record<string, PackageAvailable>;
  allPackagesHash?: Uint8Array;
}

export interface PackageAvailable {
  /** A `PackageType` value. */
  type?: number;
  version?: string;
  file?: DownloadableFile;
  hash?: Uint8Array;
}

export interface DownloadableFile {
  downloadUrl?: string;
  /** Raw 32-byte SHA-256 of the file. */
  contentHash?: Uint8Array;
  signature?: Uint8Array;
  headers?: Headers;
}

export interface ServerErrorResponse {
  /** A `ServerErrorResponseType` value. */
  type?: number;
  errorMessage?: string;
  retryInfo?: RetryInfo;
}

export interface RetryInfo {
  retryAfterNanoseconds?: number;
}

export interface ServerToAgentCommand {
  /** A `CommandType` value. */
  type?: number;
}

export interface AgentDescription {
  identifyingAttributes?: KeyValue[];
  nonIdentifyingAttributes?: KeyValue[];
}

export interface ComponentHealth {
  healthy?: boolean;
  startTimeUnixNano?: number;
  lastError?: string;
  status?: string;
  statusTimeUnixNano?: number;
  componentHealthMap?: Record<string, ComponentHealth>;
  attributes?: KeyValue[];
}

export interface EffectiveConfig {
  configMap?: AgentConfigMap;
}

export interface RemoteConfigStatus {
  lastRemoteConfigHash?: Uint8Array;
  /** A `RemoteConfigStatuses` value. */
  status?: number;
  errorMessage?: string;
}

export interface ConnectionSettingsStatus {
  lastConnectionSettingsHash?: Uint8Array;
  /** A `ConnectionSettingsStatuses` value. */
  status?: number;
  errorMessage?: string;
}

export interface PackageStatuses {
  /** Keyed by `PackageStatus.name`. */
  packages?: Record<string, PackageStatus>;
  serverProvidedAllPackagesHash?: Uint8Array;
  errorMessage?: string;
}

export interface PackageStatus {
  name?: string;
  agentHasVersion?: string;
  agentHasHash?: Uint8Array;
  serverOfferedVersion?: string;
  serverOfferedHash?: Uint8Array;
  /** A `PackageStatusEnum` value. */
  status?: number;
  errorMessage?: string;
  downloadDetails?: PackageDownloadDetails;
}

export interface PackageDownloadDetails {
  downloadPercent?: number;
  downloadBytesPerSecond?: number;
}

export interface AgentIdentification {
  newInstanceUid?: Uint8Array;
}

export interface AgentRemoteConfig {
  config?: AgentConfigMap;
  configHash?: Uint8Array;
}

export interface AgentConfigMap {
  configMap?: Record<string, AgentConfigFile>;
}

export interface AgentConfigFile {
  body?: Uint8Array;
  contentType?: string;
}

export interface CustomCapabilities {
  capabilities?: string[];
}

export interface CustomMessage {
  capability?: string;
  type?: string;
  data?: Uint8Array;
}

/** Bits of `AgentToServer.capabilities`. */
export const AgentCapabilities = {
  Unspecified: 0,
  ReportsStatus: 0x1,
  AcceptsRemoteConfig: 0x2,
  ReportsEffectiveConfig: 0x4,
  AcceptsPackages: 0x8,
  ReportsPackageStatuses: 0x10,
  ReportsOwnTraces: 0x20,
  ReportsOwnMetrics: 0x40,
  ReportsOwnLogs: 0x80,
  AcceptsOpAMPConnectionSettings: 0x100,
  AcceptsOtherConnectionSettings: 0x200,
  AcceptsRestartCommand: 0x400,
  ReportsHealth: 0x800,
  ReportsRemoteConfig: 0x1000,
  ReportsHeartbeat: 0x2000,
  ReportsAvailableComponents: 0x4000,
  ReportsConnectionSettingsStatus: 0x8000,
} as const;

/** Bits of `ServerToAgent.capabilities`. */
export const ServerCapabilities = {
  Unspecified: 0,
  AcceptsStatus: 0x1,
  OffersRemoteConfig: 0x2,
  AcceptsEffectiveConfig: 0x4,
  OffersPackages: 0x8,
  AcceptsPackagesStatus: 0x10,
  OffersConnectionSettings: 0x20,
  AcceptsConnectionSettingsRequest: 0x40,
} as const;

/** Bits of `AgentToServer.flags`. */
export const AgentToServerFlags = {
  Unspecified: 0,
  RequestInstanceUid: 0x1,
} as const;

/** Bits of `ServerToAgent.flags`. */
export const ServerToAgentFlags = {
  Unspecified: 0,
  ReportFullState: 0x1,
  ReportAvailableComponents: 0x2,
} as const;

/** Values of `PackageStatus.status`. */
export const PackageStatusEnum = {
  Installed: 0,
  InstallPending: 1,
  Installing: 2,
  InstallFailed: 3,
  Downloading: 4,
} as const;

/** Values of `PackageAvailable.type`. */
export const PackageType = {
  TopLevel: 0,
  Addon: 1,
} as const;

/** Values of `ServerErrorResponse.type`. BadRequest means "do not retry this". */
export const ServerErrorResponseType = {
  Unknown: 0,
  BadRequest: 1,
  Unavailable: 2,
} as const;

/** Values of `ServerToAgentCommand.type`. */
export const CommandType = {
  Restart: 0,
} as const;

/** Values of `RemoteConfigStatus.status`. */
export const RemoteConfigStatuses = {
  Unset: 0,
  Applied: 1,
  Applying: 2,
  Failed: 3,
} as const;

/** Values of `ConnectionSettingsStatus.status`. */
export const ConnectionSettingsStatuses = {
  Unset: 0,
  Applied: 1,
  Applying: 2,
  Failed: 3,
} as const;
