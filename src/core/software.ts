/** The gateway's own name and version: XEP-0092 answers, CTCP VERSION, `switchboard --version`. */
export const SOFTWARE = { name: 'Switchboard', version: '0.1.0' } as const;
