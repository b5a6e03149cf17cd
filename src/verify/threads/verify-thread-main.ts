import { loadConfig } from '../../config/load.js';
import { serveVerifyThread } from './verify-thread.js';

// A verify thread started without a bundle (see thread-bundle.ts): the config file is loaded as the CLI loads it.
serveVerifyThread((data) => loadConfig(data.configFile));
