import Value from 'typebox/value';
import { ConfigSchema } from '../../config/schema.js';
import type { PlacementSettings } from '../../domain/placement.js';
import type { ReactiveSettings } from '../../domain/reactive-policy.js';

/** The service's own defaults, read from its configuration schema so the two never drift apart. */
export interface ServicePolicySettings {
  reactive: Omit<ReactiveSettings, 'demote'>;
  placement: Omit<PlacementSettings, 'latencyPenaltyPerSecond'>;
  horizonHours: number;
  /** New objects go to the tier (no slower than the ingest tier) their group's forecast makes cheapest. */
  placeNewObjects: boolean;
  /** No proactive move before an object has been this long in its tier. */
  minResidencyMs: number;
  /** How often the replayed forecaster retrains on the history so far (0 = baseline only). */
  retrainHours: number;
  trainingDays: number;
  strideHours: number;
  maxTrainingObjects: number;
  minTrainingRows: number;
}

export function serviceDefaults(): ServicePolicySettings {
  const props = ConfigSchema.properties;
  const reactive = Value.Default(props.reactive, {}) as Record<string, number>;
  const proactive = Value.Default(props.proactive, {}) as Record<string, number>;
  return {
    reactive: {
      spikeWindowMs: reactive.spikeWindowSeconds! * 1000,
      coolingPeriodMs: reactive.coolingPeriodSeconds! * 1000,
      demoteRatio: reactive.demoteRatio!,
      minResidencyMs: reactive.minResidencySeconds! * 1000,
    },
    placement: {
      moveMargin: proactive.moveMargin!,
      maxPlanningHours: proactive.maxPlanningDays! * 24,
      minIdleMsBeforeDemotion: proactive.minIdleMinutesBeforeDemotion! * 60_000,
    },
    horizonHours: proactive.horizonHours!,
    placeNewObjects: (proactive as unknown as { placeNewObjects: boolean }).placeNewObjects,
    minResidencyMs: reactive.minResidencySeconds! * 1000,
    retrainHours: proactive.trainIntervalHours!,
    trainingDays: proactive.trainingDays!,
    strideHours: proactive.strideHours!,
    maxTrainingObjects: proactive.maxTrainingObjects!,
    minTrainingRows: proactive.minTrainingRows!,
  };
}
