export { withEncryption, type EncryptionOptions } from "./encrypted-store.js";
export { withAccessControl, type AccessCheck, type AccessOperation } from "./access-control.js";
export { forwardStore, type StoreOverrides } from "./forward-store.js";
