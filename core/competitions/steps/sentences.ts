/**
 * Sentence splitting for speech transcripts: rule-based and deterministic (no locale or ICU
 * dependence), good enough for authorship data; the rare wrong split only makes a row shorter.
 */

/** Transcript annotations that are not the speaker's words (and whose style differs by era, so they would leak the author). */
const ANNOTATIONS = [
  /\[[^\]]*\]/g, // [Laughter], [Applause], [At this point, ...]
  /\((?:applause|laughter)\.?\)/gi,
  /Audience members?\..*?The President\./g, // a chant from the floor, then the speaker resumes
  /The President\./g, // speaker tag
];

// A split point: after . ! ? (and closing quotes), before an opening capital, unless the
// period ends a title or an initial ("Mr. Speaker", "George W. Bush", "U.S. Government").
const SENTENCE_BOUNDARY =
  /(?<=[.!?]["'\u201d\u2019)]*)(?<!\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Sen|Rep|Gov|Lt|Col|Sgt|No|vs|[A-Z])\.)\s+(?=["'\u201c\u2018(]?[A-Z0-9])/;

export function cleanTranscript(text: string): string {
  let out = text;
  for (const pattern of ANNOTATIONS) out = out.replace(pattern, ' ');
  return out.replace(/\s+/g, ' ').trim();
}

export function splitSentences(text: string): string[] {
  return cleanTranscript(text)
    .split(SENTENCE_BOUNDARY)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function wordCount(sentence: string): number {
  return sentence.split(/\s+/).filter((w) => /[A-Za-z0-9]/.test(w)).length;
}
