// What Visage remembers about each chat between messages, in memory and bounded: the user's recent analyses (so a
// quick reply can only refer to the user's own photos, and a typed "that's wrong" finds the latest one), a
// question waiting for a typed answer, and a running practice game. Quick reply payloads carry their own context,
// so losing this memory in a restart only means a typed answer is asked for again.

export interface ChatState {
  /** Newest last. */
  analyses: string[];
  /** Waiting for the user to type a face number for this analysis (more faces than quick replies allow). */
  awaitingFaceFor?: string;
  /** A practice game is running since this time (ms), so typed answers and "stop" belong to it. */
  practiceSinceMs?: number;
}

export interface ChatMemory {
  get(userId: string): ChatState;
  update(userId: string, change: (state: ChatState) => ChatState): ChatState;
  rememberAnalysis(userId: string, analysisId: string): void;
  owns(userId: string, analysisId: string): boolean;
}

export function createChatMemory(options: { maxUsers?: number; analysesPerUser?: number } = {}): ChatMemory {
  const { maxUsers = 10_000, analysesPerUser = 10 } = options;
  // A Map keeps insertion order; touching a user moves it to the end, so the first key is the least recent.
  const states = new Map<string, ChatState>();
  const get = (userId: string): ChatState => states.get(userId) ?? { analyses: [] };
  const update = (userId: string, change: (state: ChatState) => ChatState): ChatState => {
    const next = change(get(userId));
    states.delete(userId);
    states.set(userId, next);
    for (const oldest of states.keys()) {
      if (states.size <= maxUsers) break;
      states.delete(oldest);
    }
    return next;
  };
  return {
    get,
    update,
    rememberAnalysis(userId, analysisId) {
      update(userId, (s) => ({ ...s, analyses: [...s.analyses, analysisId].slice(-analysesPerUser) }));
    },
    owns: (userId, analysisId) => get(userId).analyses.includes(analysisId),
  };
}
