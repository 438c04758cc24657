/**
 * The propagation platform's label: the producer's fields and ReservedCode1 kept as they
 * are, the platform's own code and ID as propagator (ReservedCode2 is signed afterwards).
 * Without a label, what the platform knows decides the Label: a user declaration is
 * "2" (可能), detected traces "3" (疑似).
 */
import type { AigcLabel } from '../label/annex-e'

export type PropagationState = 'labelled' | 'declared' | 'suspected'
export const PROPAGATION_STATES: PropagationState[] = ['labelled', 'declared', 'suspected']

/** The visible mark for a platform-added label, by Label value. */
export const PROPAGATION_MARK_TEXT: Record<string, string> = { '2': '可能为AI生成', '3': '疑似AI生成' }

export class PropagationError extends Error {}

export function propagatedLabel(existing: AigcLabel | undefined, state: PropagationState, platform: string, propagateId: string): AigcLabel {
  if (existing) return { ...existing, ContentPropagator: platform, PropagateID: propagateId, ReservedCode2: '' }
  if (state === 'labelled') throw new PropagationError('state=labelled, but the file carries no label; use declared or suspected')
  return {
    Label: state === 'declared' ? '2' : '3',
    ContentProducer: '',
    ProduceID: '',
    ReservedCode1: '',
    ContentPropagator: platform,
    PropagateID: propagateId,
    ReservedCode2: '',
  }
}
