// Visage's public library API. This is the only barrel: everything a program needs to analyse photos.
export { loadModels, analyzeImage, toAnalysisJson, FLAG_CROP_SIZE } from './pipeline/analyse.js';
export type { VisageModels, LoadModelsOptions, AnalyzeOptions, AnalysisOutput, AnalysisJson } from './pipeline/analyse.js';
export { decodeImage, sniffImageFormat } from './pipeline/decode.js';
export { renderAnnotated, EMOTION_COLOURS } from './pipeline/render.js';
export { EMOTION_CUES, EMOTION_EMOJI, EMOTION_WORDS, confidenceLevel } from './pipeline/describe.js';
export { EMOTIONS } from './pipeline/types.js';
export type { Analysis, Box, Classification, ConfidenceLevel, Emotion, EmotionScores, FaceResult } from './pipeline/types.js';
export { VisageError, ERROR_CODES, isVisageError } from './errors.js';
export type { ErrorCode } from './errors.js';
