// htm's tagged templates bound to preact's h: JSX-like markup in plain ES modules, no build step.
import htm from '../vendor/htm.module.js';
import { Component, Fragment, h, render } from '../vendor/preact.module.js';

export const html = htm.bind(h);
export { Component, Fragment, render };
