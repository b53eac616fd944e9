// A PluginDirectory from a fixed list of workers, as configured at start-up.
import type { PluginClient, PluginDirectory } from "../../functions/core/ports/plugin-client.js";

export interface PluginDirectoryEntry {
  readonly client: PluginClient;
  readonly providers: readonly string[];
}

export class StaticPluginDirectory implements PluginDirectory {
  private readonly byProvider = new Map<string, PluginClient>();

  constructor(entries: readonly PluginDirectoryEntry[]) {
    for (const { client, providers } of entries) {
      for (const provider of providers) {
        const existing = this.byProvider.get(provider);
        // Two workers for one provider would make routing depend on configuration order.
        if (existing && existing !== client) {
          throw new Error(`provider "${provider}" is served by both ${existing.name} and ${client.name}`);
        }
        this.byProvider.set(provider, client);
      }
    }
  }

  async forProvider(provider: string): Promise<PluginClient | undefined> {
    return this.byProvider.get(provider);
  }

  providers(): readonly string[] {
    return [...this.byProvider.keys()].sort();
  }
}
