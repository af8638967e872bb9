// Typed methods of the analysis commands — `profile …`, `map …`, `gate`, `full` — as a base
// class of Fozzy, which supplies `command` (the exit-code contract). Split from index.ts for
// size. `gate`/`full` exit 1 when a step failed: the report is still the result.

import type {
  FullReport, GateReport, MapHotspots, MapServices, MapSuites, ProfileDiff, ProfileDoctor,
  ProfileEnv, ProfileExplain, ProfileFile, ProfileFlame, ProfileShrink, ProfileTimeline,
  ProfileTop,
} from "./documents.js";
import { toFlags } from "./flags.js";
import type {
  FullOptions, GateOptions, MapHotspotsOptions, MapOptions, MapSuitesOptions, ProfileDomains,
  ProfileExportOptions, ProfileFlameOptions, ProfileShrinkOptions, ProfileTimelineOptions,
  ProfileTopOptions,
} from "./options.js";

const STEP_LISTS = { csv: ["scope", "skipSteps", "requiredSteps"] } as const;

export abstract class AnalysisCommands {
  abstract command<T = unknown>(args: readonly string[]): Promise<T>;

  profileTop(sel: string, opts: ProfileTopOptions = {}): Promise<ProfileTop> {
    return this.command(["profile", "top", sel, ...toFlags(opts)]);
  }
  /** With `out` the file is written and the result says where (`out`, `bytes`). */
  profileFlame(sel: string, opts: ProfileFlameOptions = {}): Promise<ProfileFlame> {
    return this.command(["profile", "flame", sel, ...toFlags(opts)]);
  }
  profileTimeline(sel: string, opts: ProfileTimelineOptions = {}): Promise<ProfileTimeline> {
    return this.command(["profile", "timeline", sel, ...toFlags(opts)]);
  }
  /** Each side may be a comma group of runs (repeated samples of one variant). */
  profileDiff(left: string, right: string, opts: ProfileDomains = {}): Promise<ProfileDiff> {
    return this.command(["profile", "diff", left, right, ...toFlags(opts)]);
  }
  profileExplain(sel: string, opts: { diffWith?: string } = {}): Promise<ProfileExplain> {
    return this.command(["profile", "explain", sel, ...toFlags(opts)]);
  }
  profileExport(sel: string, opts: ProfileExportOptions): Promise<ProfileFile> {
    return this.command(["profile", "export", sel, ...toFlags(opts)]);
  }
  profileShrink(trace: string, opts: ProfileShrinkOptions): Promise<ProfileShrink> {
    return this.command(["profile", "shrink", trace, ...toFlags(opts)]);
  }
  profileEnv(): Promise<ProfileEnv> { return this.command(["profile", "env"]); }
  profileDoctor(sel: string): Promise<ProfileDoctor> {
    return this.command(["profile", "doctor", sel]);
  }

  mapHotspots(opts: MapHotspotsOptions = {}): Promise<MapHotspots> {
    return this.command(["map", "hotspots", ...toFlags(opts)]);
  }
  mapServices(opts: MapOptions = {}): Promise<MapServices> {
    return this.command(["map", "services", ...toFlags(opts)]);
  }
  mapSuites(opts: MapSuitesOptions = {}): Promise<MapSuites> {
    return this.command(["map", "suites", ...toFlags(opts)]);
  }

  gate(opts: GateOptions = {}): Promise<GateReport> {
    return this.command(["gate", ...toFlags(opts, STEP_LISTS)]);
  }
  full(opts: FullOptions = {}): Promise<FullReport> {
    return this.command(["full", ...toFlags(opts, STEP_LISTS)]);
  }
}
