/** XEP-0004 data forms ⇄ the plain `Form` model of src/core/adhoc-model.ts. */
import { Element } from 'ltx';
import type { Form } from '../core/adhoc-model.js';
import { NS } from './ns.js';

export function formElement(form: Form, type: 'form' | 'result' = 'form'): Element {
  const x = new Element('x', { xmlns: NS.data, type });
  if (form.title) x.c('title').t(form.title);
  if (form.instructions) x.c('instructions').t(form.instructions);
  for (const f of form.fields) {
    const field = x.c('field', { var: f.var, type: f.type, ...(f.label ? { label: f.label } : {}) });
    if (f.desc) field.c('desc').t(f.desc);
    if (f.required) field.c('required');
    // A text-private field is never filled in: stored secrets are not echoed back.
    if (f.type !== 'text-private') for (const v of f.values ?? []) field.c('value').t(v);
    for (const o of f.options ?? []) field.c('option', o.label ? { label: o.label } : {}).c('value').t(o.value);
  }
  return x;
}

/** Values of a submitted form (`<x type='submit'>`), or undefined when there is none. */
export function readSubmittedValues(parent: Element): Record<string, string[]> | undefined {
  const x = parent.getChild('x', NS.data);
  if (!x || (x.attrs.type !== 'submit' && x.attrs.type !== undefined)) return undefined;
  const values: Record<string, string[]> = {};
  for (const field of x.getChildren('field')) {
    if (!field.attrs.var) continue;
    values[field.attrs.var] = field.getChildren('value').map((v) => v.getText());
  }
  return values;
}
