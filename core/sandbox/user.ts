/** The container user: the base image's `agent` (uid 1000), never root. */
export const AGENT_UID = 1000;
export const AGENT_GID = 1000;
