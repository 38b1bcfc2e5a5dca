import { parseBudget } from './budget-amount';

describe('parseBudget', () => {
  it.each([
    ['50000 USD', 50000, 'USD'],
    ['$50k', 50000, 'USD'],
    ['€20,000', 20000, 'EUR'],
    ['20k EUR', 20000, 'EUR'],
    ['1.5M GBP', 1500000, 'GBP'],
    ['£10000', 10000, 'GBP'],
    ['USD 75,000', 75000, 'USD'],
    ['usd 75000', 75000, 'USD'],
    ['US$ 1,200.50', 1200.5, 'USD'],
    ['A$40k', 40000, 'AUD'],
    ['20.000,50 EUR', 20000.5, 'EUR'],
    ['1.000.000 EUR', 1000000, 'EUR'],
    ['1,5 million euros', 1500000, 'EUR'],
    ['20 000 €', 20000, 'EUR'],
    ['250 thousand dollars', 250000, 'USD'],
    ['2 bn JPY', 2000000000, 'JPY'],
    ['12345.678 CHF', 12345.68, 'CHF'],
    ['50000 USD.', 50000, 'USD'],
    ['50000 USD per year', 50000, 'USD'],
  ])('%j is %d %s', (value, amount, currency) => {
    expect(parseBudget(value)).toEqual({ amount, currency });
  });

  it('keeps the amount without a currency, and the currency without an amount', () => {
    expect(parseBudget('50000')).toEqual({ amount: 50000, currency: null });
    expect(parseBudget('50k')).toEqual({ amount: 50000, currency: null });
    expect(parseBudget('USD')).toEqual({ amount: null, currency: 'USD' });
    expect(parseBudget('a few thousand dollars')).toEqual({ amount: null, currency: 'USD' });
  });

  it('reads nothing it cannot read unambiguously', () => {
    expect(parseBudget(undefined)).toEqual({ amount: null, currency: null });
    expect(parseBudget(null)).toEqual({ amount: null, currency: null });
    expect(parseBudget('')).toEqual({ amount: null, currency: null });
    expect(parseBudget('tight')).toEqual({ amount: null, currency: null });
    // A range, two numbers, a negative amount.
    expect(parseBudget('50-60k USD')).toEqual({ amount: null, currency: 'USD' });
    expect(parseBudget('50k USD to 60k USD')).toEqual({ amount: null, currency: 'USD' });
    expect(parseBudget('-500 USD')).toEqual({ amount: null, currency: 'USD' });
    // Two currencies.
    expect(parseBudget('50000 USD or EUR')).toEqual({ amount: 50000, currency: null });
    expect(parseBudget('$50000 (€45000)').amount).toBeNull();
    // Malformed separators.
    expect(parseBudget('20,00,000 INR')).toEqual({ amount: null, currency: 'INR' });
    expect(parseBudget('1.2.3 USD')).toEqual({ amount: null, currency: 'USD' });
    // An unknown currency code is not guessed.
    expect(parseBudget('50000 XYZ')).toEqual({ amount: 50000, currency: null });
  });

  it('refuses amounts that do not fit numeric(18,2)', () => {
    expect(parseBudget('99999999999999999 USD').amount).toBeNull();
    expect(parseBudget('99999999 bn USD').amount).toBeNull();
    expect(parseBudget('999999999999999 USD').amount).toBe(999999999999999);
  });

  it('does not confuse words with currency symbols or scale words', () => {
    expect(parseBudget('50000 marketing budget')).toEqual({ amount: 50000, currency: null });
    expect(parseBudget('5 mm')).toEqual({ amount: 5000000, currency: null });
  });
});
