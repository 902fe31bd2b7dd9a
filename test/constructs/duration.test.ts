import { Duration } from 'cdk8s';
import { fluxDuration } from '../../constructs/duration';

describe('fluxDuration', () => {
  test.each([
    [Duration.minutes(90), '1h30m'],
    [Duration.minutes(10), '10m'],
    [Duration.seconds(45), '45s'],
    [Duration.seconds(3725), '1h2m5s'],
    [Duration.hours(12), '12h'],
  ])('GIVEN %p WHEN rendered THEN it is %s', (d, text) => {
    expect(fluxDuration(d)).toBe(text);
  });

  test('GIVEN zero or a fraction of a second WHEN rendered THEN it is refused', () => {
    expect(() => fluxDuration(Duration.seconds(0))).toThrow('duration 0s must be a whole, positive number of seconds');
    expect(() => fluxDuration(Duration.millis(1500))).toThrow(/whole number of seconds/);
  });
});
