/**
 * The playground's entry: starts convkit, mounts the panels, and says how convkit runs here (the wasm
 * backend; threads in the image panel's worker when the page is cross-origin isolated).
 */
import { getBackend, ready } from 'convkit';
import { mountChannels } from './channels';
import { mountCost } from './cost';
import { mountExplorer } from './explorer';
import { mountImage } from './image';
import { mountReceptiveField } from './receptive-field';
import { mountTrain } from './train';

const section = (id: string) => document.getElementById(id)!;
const runtime = section('runtime');

await ready();
const worker = new Worker(new URL('./conv-worker.ts', import.meta.url), { type: 'module' });
worker.addEventListener('message', (event: MessageEvent) => {
  const info = event.data?.ready;
  if (info === undefined) return;
  runtime.textContent = info.error !== undefined
    ? `convkit's worker failed to start: ${info.error}`
    : `convkit ${getBackend()} backend on this page; in the image worker: ${info.backend} backend on ${info.threads} thread${info.threads === 1 ? '' : 's'}` +
      (info.isolated ? ' (page cross-origin isolated)' : ' (page not cross-origin isolated: one thread)');
  runtime.dataset.threads = String(info.threads);
});
mountExplorer(section('explorer'));
mountChannels(section('channels'));
mountReceptiveField(section('receptive-field'));
mountCost(section('cost'));
mountImage(section('image'), worker);
mountTrain(section('train'));
document.body.dataset.ready = 'true';
