import { inquiryIdFor } from '../../src/sim/inquiry-ids.js';
import type { SimulatorStack } from '../../src/sim/stack.js';
import { median } from './stats.js';

/**
 * One Persona round trip as the service makes it (`GET /inquiries/{id}?include=verifications,reports`, body read),
 * measured from this process: the simulator's injected latency plus the real HTTP and serialisation cost.
 * The median of `samples` sequential calls; the simulator's stats are reset afterwards.
 */
export async function measurePersonaRtt(stack: SimulatorStack, samples = 10): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const url = `${stack.persona.apiUrl}/inquiries/${inquiryIdFor('all-passed', `rtt${i}`)}?include=verifications,reports`;
    const start = performance.now();
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${stack.apiKey}`, 'persona-version': '2025-12-08', 'key-inflection': 'kebab' },
    });
    await res.text();
    times.push(performance.now() - start);
    if (!res.ok) throw new Error(`simulator answered ${res.status} to the round-trip probe`);
  }
  stack.persona.reset();
  return median(times);
}
