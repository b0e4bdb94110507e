/**
 * The network's authoritative rules for a token (DOMAIN.md section 4), as pure functions: record in, changed
 * record out, or a refusal (NetworkFailure 'bad_request'). Version, timestamps and network data are stamped
 * by the caller once the change is accepted, so these functions stay easy to test and to reason about.
 */
import { NetworkFailure } from '../../errors.js';
import { networkSupports, networksSupporting } from '../providers.js';
import type { SimulatorRecord } from '../record.js';
import type { ApprovalMethod, LifecycleAction, NetworkDevice, Suspender } from '../types.js';

/** Visa allows device indexes 0–99 per token. */
export const MAX_DEVICE_INDEX = 99;

export function refuse(message: string): never {
  throw new NetworkFailure('bad_request', message);
}

function copy(record: SimulatorRecord): SimulatorRecord {
  return structuredClone(record);
}

function assertLive(record: SimulatorRecord): void {
  if (record.token.status === 'DEACTIVATED') refuse('token is deactivated');
}

/** SUSPEND / RESUME / DELETE / ACTIVATE on behalf of `entity` at time `at`. */
export function applyLifecycle(record: SimulatorRecord, action: LifecycleAction, entity: Suspender, at: string): SimulatorRecord {
  assertLive(record);
  const next = copy(record);
  const { token, meta } = next;
  switch (action) {
    case 'SUSPEND':
      if (token.status !== 'ACTIVE' && token.status !== 'SUSPENDED') {
        refuse(`cannot suspend a token in status ${token.status}`);
      }
      if (!token.suspenders.includes(entity)) token.suspenders.push(entity);
      meta.suspendedAt[entity] ??= at;
      token.status = 'SUSPENDED';
      break;
    case 'RESUME':
      if (token.status !== 'SUSPENDED') refuse(`cannot resume a token in status ${token.status}`);
      // Only the entity that suspended may lift its own suspension; other suspenders stay in force.
      if (!token.suspenders.includes(entity)) refuse(`${entity} has not suspended this token`);
      token.suspenders = token.suspenders.filter((s) => s !== entity);
      delete meta.suspendedAt[entity];
      token.status = token.suspenders.length === 0 ? 'ACTIVE' : 'SUSPENDED';
      break;
    case 'DELETE':
      token.status = 'DEACTIVATED';
      token.suspenders = [];
      meta.suspendedAt = {};
      break;
    case 'ACTIVATE': {
      if (token.status !== 'INACTIVE') refuse(`cannot activate a token in status ${token.status}`);
      token.status = 'ACTIVE';
      meta.activatedAt = at;
      // The step-up completes the provisioning, so the device the token was provisioned to becomes usable too.
      const device = token.devices.find((d) => d.deviceId === meta.provisioningDeviceId && d.status === 'INACTIVE');
      if (device) {
        device.status = 'ACTIVE';
        device.updatedAt = at;
      }
      break;
    }
  }
  meta.entityOfLastAction = entity;
  meta.statusChangedAt = at;
  return next;
}

/** Device binding exists only on the networks whose provider offers it (vts). */
function assertDeviceBinding(record: SimulatorRecord): void {
  if (!networkSupports(record.token.network, 'deviceBinding')) {
    refuse(`device binding is supported on ${networksSupporting('deviceBinding').join(', ')} only`);
  }
}

function findDevice(record: SimulatorRecord, deviceId: string, deviceIndex: number): NetworkDevice {
  const device = record.token.devices.find((d) => d.deviceId === deviceId);
  if (!device) refuse('device not found');
  if (device.deviceIndex !== deviceIndex) refuse('device index does not match');
  return device;
}

export function lowestFreeDeviceIndex(devices: readonly NetworkDevice[]): number | undefined {
  const used = new Set(devices.map((d) => d.deviceIndex));
  for (let i = 0; i <= MAX_DEVICE_INDEX; i++) if (!used.has(i)) return i;
  return undefined;
}

/** The issuer approves a pending (INACTIVE) device binding. */
export function approveDevice(record: SimulatorRecord, deviceId: string, deviceIndex: number, at: string): SimulatorRecord {
  assertDeviceBinding(record);
  assertLive(record);
  const next = copy(record);
  const device = findDevice(next, deviceId, deviceIndex);
  if (device.status === 'ACTIVE') refuse('device is already active');
  device.status = 'ACTIVE';
  device.updatedAt = at;
  next.meta.entityOfLastAction = 'ISSUER';
  return next;
}

/** The issuer unbinds a device from the token. */
export function removeDevice(record: SimulatorRecord, deviceId: string, deviceIndex: number): SimulatorRecord {
  assertDeviceBinding(record);
  assertLive(record);
  const next = copy(record);
  findDevice(next, deviceId, deviceIndex);
  next.token.devices = next.token.devices.filter((d) => d.deviceId !== deviceId);
  next.meta.entityOfLastAction = 'ISSUER';
  return next;
}

/** Approves the most recently updated INACTIVE device (ties: the one bound last). */
export function approveLatestInactiveDevice(record: SimulatorRecord, method: ApprovalMethod, at: string): SimulatorRecord {
  assertDeviceBinding(record);
  assertLive(record);
  let latest: NetworkDevice | undefined;
  for (const device of record.token.devices) {
    if (device.status === 'INACTIVE' && (!latest || device.updatedAt >= latest.updatedAt)) latest = device;
  }
  if (!latest) refuse('no inactive device to approve');
  const next = approveDevice(record, latest.deviceId, latest.deviceIndex, at);
  next.meta.lastDeviceApprovalMethod = method;
  return next;
}

/** A wallet asks to bind a new device: it joins as INACTIVE at the lowest free index, awaiting the issuer. */
export function requestDeviceBinding(record: SimulatorRecord, deviceId: string, at: string): SimulatorRecord {
  assertDeviceBinding(record);
  assertLive(record);
  if (record.token.devices.some((d) => d.deviceId === deviceId)) refuse('device is already bound');
  const deviceIndex = lowestFreeDeviceIndex(record.token.devices);
  if (deviceIndex === undefined) refuse('no free device index');
  const next = copy(record);
  next.token.devices.push({ deviceId, deviceIndex, status: 'INACTIVE', updatedAt: at });
  next.meta.entityOfLastAction = 'TOKEN_REQUESTOR';
  return next;
}
