// Options → flags (§8.3): camelCase keys become --kebab-case flags; undefined/null/false are
// left out, true is a bare flag, arrays repeat the flag unless the key is comma-joined. A
// `negatable` key is a --x/--no-x switch: false passes --no-x.

export type OptionValue = string | number | boolean | readonly string[] | null | undefined;

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function toFlags(
  options: object,
  how: { rename?: Record<string, string>; csv?: readonly string[]; negatable?: readonly string[] } = {},
): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(options) as [string, OptionValue][]) {
    const name = how.rename?.[key] ?? kebab(key);
    if (value === false && how.negatable?.includes(key)) out.push(`--no-${name}`);
    if (value === undefined || value === null || value === false) continue;
    const flag = `--${name}`;
    if (value === true) out.push(flag);
    else if (Array.isArray(value)) {
      if (how.csv?.includes(key)) out.push(flag, value.join(","));
      else for (const item of value) out.push(flag, String(item));
    } else out.push(flag, String(value));
  }
  return out;
}
