export { withEncryption, type EncryptionOptions } from "./encrypted-store.js";
export { withAccessControl, type AccessCheck, type AccessOperation } from "./access-control.js";
