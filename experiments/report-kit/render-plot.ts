import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** DejaVu Sans from fonts-dejavu-core (installed by scripts/bootstrap.mjs): same font, same PNG bytes. */
const FONT_FILES = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'];
const FONT = 'DejaVu Sans';

/**
 * Render a vega-lite spec to PNG bytes without a browser: vega-lite compile, a headless vega view
 * (renderer 'none') to SVG, resvg to PNG with only the DejaVu fonts loaded. No clock, no system font
 * lookup, so the same data gives the same bytes.
 */
export async function renderPng(spec: TopLevelSpec, widthPx = 1400): Promise<Buffer> {
  const withFont = {
    ...spec,
    config: { font: FONT, background: 'white', ...spec.config },
  } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withFont).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    fitTo: { mode: 'width', value: widthPx },
    font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: FONT },
  }).render();
  return png.asPng();
}
