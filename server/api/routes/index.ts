// Every route of the API, in the order they are matched and documented.
import type { AnyRoute } from '../registry.ts';
import { authenticateRoutes } from './authenticate.ts';
import { userRoutes } from './users.ts';
import { addressRoutes } from './addresses.ts';
import { mailboxRoutes } from './mailboxes.ts';
import { messageRoutes } from './messages.ts';
import { searchRoutes } from './search.ts';
import { ruleRoutes } from './rules.ts';
import { aspRoutes } from './asps.ts';
import { streamRoutes } from './streams.ts';
import { mailIoRoutes } from './mailio.ts';
import { settingsRoutes } from './settings.ts';
import { autoconfigRoutes } from './autoconfig.ts';
import { statsRoutes } from './stats.ts';

export const ROUTES: AnyRoute[] = [
  ...authenticateRoutes,
  ...userRoutes,
  ...addressRoutes,
  ...mailboxRoutes,
  ...messageRoutes,
  ...searchRoutes,
  ...ruleRoutes,
  ...aspRoutes,
  ...streamRoutes,
  ...mailIoRoutes,
  ...settingsRoutes,
  ...autoconfigRoutes,
  ...statsRoutes,
];
