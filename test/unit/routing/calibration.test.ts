import assert from 'node:assert/strict';
import { chooseThreshold, expectedCalibrationError, pointAt } from '../../../core/routing/training.js';
import type { ScoredPrediction } from '../../../core/routing/training.js';

/** `right` correct and `wrong` incorrect predictions at one confidence. */
const at = (confidence: number, right: number, wrong = 0): ScoredPrediction[] => [
  ...Array.from({ length: right }, () => ({ confidence, correct: true })),
  ...Array.from({ length: wrong }, () => ({ confidence, correct: false })),
];

describe('routing: calibration and the auto-dispatch threshold', () => {
  it('when precision falls below the target further down, then the threshold stops where every stricter cut still keeps it', () => {
    const predictions = [...at(0.99, 60), ...at(0.95, 39, 1), ...at(0.9, 10, 5), ...at(0.6, 20, 20)];
    // 0.95: 99 of 100 right; 0.9: 109 of 115 (0.948) — below 0.98, so the gate stays at 0.95.
    assert.equal(chooseThreshold(predictions, 0.98, 50), 0.95);
    assert.deepEqual(pointAt(predictions, 0.95), { precision: 0.99, coverage: 100 / 155 });
  });

  it('when a lower cut would recover the precision after a dip, then it is still not taken', () => {
    const predictions = [...at(0.99, 60), ...at(0.97, 0, 3), ...at(0.9, 200)];
    assert.equal(chooseThreshold(predictions, 0.98, 50), 0.99);
  });

  it('when the first cuts cover too few messages to judge, then a mistake there does not close the gate', () => {
    const predictions = [...at(0.999, 0, 1), ...at(0.99, 99)];
    assert.equal(chooseThreshold(predictions, 0.98, 50), 0.99);
  });

  it('when no cut reaches the target precision, then nothing is dispatched automatically', () => {
    assert.equal(chooseThreshold([...at(0.99, 50, 5), ...at(0.8, 50, 50)], 0.98, 50), 1);
  });

  it('when confidence matches accuracy, then the calibration error is zero, and a confident model that is often wrong has a large one', () => {
    assert.ok(expectedCalibrationError([...at(0.75, 3, 1), ...at(0.95, 19, 1)]) < 1e-12);
    assert.ok(Math.abs(expectedCalibrationError(at(0.95, 1, 1)) - 0.45) < 1e-9);
  });
});
