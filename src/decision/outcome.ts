/** What a decision can say, and what each reason asks for. The order here means nothing: a policy ranks them. */
export const OUTCOMES = ['approved', 'declined', 'manual_review', 'retry'] as const;
export type Outcome = (typeof OUTCOMES)[number];
