// vitest setupFiles: after every test (and after each file's last hooks), fail if a gateway
// started by the suite sent a stanza that is not well-formed XML (test/helpers/xml-audit-check.ts).
import { afterAll, afterEach } from 'vitest';
import { checkXmlAudit } from '../helpers/xml-audit-check.js';

afterEach(() => checkXmlAudit());
afterAll(() => checkXmlAudit());
