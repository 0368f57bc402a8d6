import type { ImageAccessOptions } from '../options.js';

/** `imgpolicy inspect`'s parsed options. */
export interface InspectOptions extends ImageAccessOptions {
  key?: string[];
  fulcioCa?: string;
  rekorKey?: string;
  output: string;
}
