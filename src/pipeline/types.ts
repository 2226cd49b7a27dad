// Plain data passed between the pipeline stages. Boxes are always in pixels of the upright source image.

/** The seven FER2013 classes, in FER2013's label order. This is Visage's public vocabulary. */
export const EMOTIONS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;
export type Emotion = (typeof EMOTIONS)[number];
export type EmotionScores = Record<Emotion, number>;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

/** An upright RGB image, 8 bits per channel, rows top to bottom, no padding. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

export interface DetectedFace {
  box: Box;
  /** Detector confidence, 0..1. */
  score: number;
  /** Eye centres when the detector gives them (the person's right eye first, i.e. the one on the image's left). */
  eyes?: { right: Point; left: Point };
}

/** A face cut out and resampled the way the emotion model was trained: size*size pixels, interleaved channels. */
export interface FaceCrop {
  pixels: Uint8Array;
  size: number;
  channels: 1 | 3;
}

export type ConfidenceLevel = 'very sure' | 'fairly sure' | 'not very sure' | 'not sure';

export interface Classification {
  emotion: Emotion;
  /** Calibrated probability of the top emotion. */
  confidence: number;
  scores: EmotionScores;
}

export interface FaceResult extends Classification {
  /** 1-based number shown on the annotated photo, in reading order. */
  number: number;
  box: Box;
  detectionScore: number;
  /** Where the face is, in words ("on the left", "in the middle"). */
  position: string;
  confidenceLevel: ConfidenceLevel;
  /** The runner-up when the top two are close. */
  alternative?: Emotion;
  description: string;
}

export interface StageTimingsMs {
  decode: number;
  detect: number;
  crop: number;
  classify: number;
  describe: number;
  render?: number;
}

export interface Analysis {
  width: number;
  height: number;
  faces: FaceResult[];
  timingsMs: StageTimingsMs;
}
