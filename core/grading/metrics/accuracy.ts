/** Accuracy: the fraction of rows whose predicted label equals the true label (exact string match). */
export function accuracy(yTrue: readonly string[], yPred: readonly string[]): number {
  if (yTrue.length === 0) throw new Error('accuracy: no rows');
  if (yTrue.length !== yPred.length) {
    throw new Error(`accuracy: ${yTrue.length} true labels but ${yPred.length} predictions`);
  }
  let correct = 0;
  yTrue.forEach((label, i) => {
    if (yPred[i] === label) correct += 1;
  });
  return correct / yTrue.length;
}
