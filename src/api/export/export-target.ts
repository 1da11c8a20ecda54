import { z } from 'zod';

/** Kubernetes workload kinds whose pod template a strategic-merge patch can set env on. */
export const K8S_KINDS = ['Deployment', 'StatefulSet'] as const;

/** `patch`: strategic-merge patch of the named workload; `env`: the bare `env:` list to paste. */
export const K8S_FORMS = ['patch', 'env'] as const;

/** A Deployment/StatefulSet name: a DNS-1123 subdomain (Kubernetes' own rule for object names). */
export const K8sObjectNameSchema = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'a DNS-1123 subdomain: lower-case letters, digits, - and ., starting and ending alphanumeric');

/** A container name: a DNS-1123 label (Kubernetes' rule for container names). */
export const K8sContainerNameSchema = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS-1123 label: lower-case letters, digits and -, starting and ending alphanumeric');

/**
 * A systemd service name, `.service` optional: the characters systemd allows in unit names except
 * `\` (escapes), starting alphanumeric, so it is one path component of the drop-in directory.
 * `@` admits template (`redis@.service`) and instance (`redis@main`) names.
 */
export const SystemdUnitSchema = z
  .string()
  .max(240)
  .regex(/^[A-Za-z0-9][A-Za-z0-9:_.@-]*$/, "letters, digits and : _ . @ -, starting with a letter or digit (e.g. redis-server or redis-server@6380.service)")
  .refine((u) => !u.includes('..'), 'no ".." in a unit name')
  .transform((u) => (u.endsWith('.service') ? u : `${u}.service`));

/** Where an export is meant to go: the Kubernetes workload and container, the systemd unit. */
export interface ExportTarget {
  k8s: { kind: (typeof K8S_KINDS)[number]; name: string; container: string; form: (typeof K8S_FORMS)[number] };
  /** Full unit name, with `.service`. */
  systemdUnit: string;
}

/** The defaults: Debian's `redis-server.service`, a Deployment and container named `redis`. */
export const DEFAULT_EXPORT_TARGET: ExportTarget = {
  k8s: { kind: 'Deployment', name: 'redis', container: 'redis', form: 'patch' },
  systemdUnit: 'redis-server.service',
};
