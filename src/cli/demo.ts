#!/usr/bin/env node
/** `npm start`: prints the tutorial's examples as convkit runs them. */
import { formatTutorial } from '../demo/tutorial.js';

process.stdout.write(formatTutorial() + '\n');
