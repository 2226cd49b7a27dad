// The answer to a photo (or several): fetch each attachment through the safe fetcher, analyse it on the worker
// pool, keep it in the analysis cache (with its face crops, for a flag), then send the annotated photo and a line
// per face with the quick replies "That's wrong", "How can I tell?" and "Practice".
import { isVisageError } from '../../errors.js';
import { toAnalysisJson } from '../../index.js';
import { analyzeInPool } from '../../services/worker-pool.js';
import type { Chat, ChatDeps } from './chat.js';
import { photoAnswerLines, photoErrorLines, photoQuickReplies, TEXTS } from './replies.js';

async function analyseLink(deps: ChatDeps, url: string) {
  const { services } = deps;
  const fetched = await services.fetchImage(url);
  return analyzeInPool(services.pool, fetched.bytes, {
    maxPixels: services.config.limits.maxPixels,
    annotate: 'jpeg',
    faceCrops: true,
  });
}

export async function answerPhotos(chat: Chat, deps: ChatDeps, urls: readonly string[], fromLink: boolean): Promise<void> {
  const { services, memory, log } = deps;
  await chat.action('mark_seen');
  await chat.action('typing_on');
  for (const [i, url] of urls.entries()) {
    const photo = { index: i + 1, count: urls.length };
    const lead = photo.count > 1 ? [`Photo ${photo.index} of ${photo.count}.`] : [];
    let result;
    try {
      result = await analyseLink(deps, url);
    } catch (error) {
      if (isVisageError(error)) log.warn({ code: error.code, detail: error.message }, 'a Messenger photo could not be analysed');
      else log.error({ err: error }, 'a Messenger photo failed inside Visage');
      if (!(await chat.say([...lead, ...photoErrorLines(error, fromLink)]))) return;
      continue;
    }
    const record = toAnalysisJson('messenger', result.analysis);
    services.metrics.countFaces(record.faces.length);
    if (record.faces.length === 0) {
      if (!(await chat.say([...lead, ...TEXTS.noFace]))) return;
      continue;
    }
    const analysisId = services.analyses.put({
      analysis: record,
      faceCrops: result.faceCrops,
      ...(result.annotated === undefined ? {} : { annotated: result.annotated }),
    });
    memory.rememberAnalysis(chat.userId, analysisId);
    if (result.annotated !== undefined) {
      const format = result.annotated.format;
      const sent = await chat.sendImage({
        data: result.annotated.data,
        contentType: format === 'png' ? 'image/png' : 'image/jpeg',
        filename: `visage-photo-${photo.index}.${format === 'png' ? 'png' : 'jpg'}`,
      });
      if (!sent) return;
    }
    if (!(await chat.say(photoAnswerLines(record, photo), photoQuickReplies(analysisId, record)))) return;
  }
}
