import * as api from './index.js';
import { setPackageScope } from './remote/functions.js';

// Shipped functions run with this package's exports in scope (API.md, Remote calls 2), and the
// exports travel by name: give the function-shipping layer the finished namespace.
setPackageScope(api as unknown as Record<string, unknown>);
