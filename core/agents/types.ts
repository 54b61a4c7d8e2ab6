export interface AgentSpec {
  /** `<name>` or `<name>/<variant>`, as in MLE-bench. */
  id: string;
  name: string;
  variant: string;
  description: string;
  /** Local image tag built from agents/<name>/. */
  image: string;
  /** Command run in the container (the image's default when absent). */
  command?: string[];
  /** Environment of the variant (never the host's). */
  env: Record<string, string>;
}
