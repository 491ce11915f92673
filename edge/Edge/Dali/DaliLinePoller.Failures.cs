using City.Protocols.Dali;

namespace City.Edge.Dali;

/// <summary>
/// Failures remembered between sweeps. IEC 62386-102 has a gear with a lamp failure answer QUERY ACTUAL LEVEL with MASK
/// (0xFF), so the level queries every sweep makes already say which gear are failing. A broadcast YES is explained when
/// every remembered failure still answers MASK: then only gear whose MASK answer disagrees with what is remembered (a new
/// failure, a repair) get QUERY STATUS, plus <see cref="SafetyChecksPerSweep"/> healthy gear in turn, which catches gear
/// that report a failure without answering MASK within 64 / 2 sweeps. When the memory cannot explain the YES (no
/// failure known, or a failing gear that does not answer MASK) the sweep narrows down by group as before.
/// </summary>
internal sealed partial class DaliLinePoller
{
    /// <summary>Healthy gear asked QUERY STATUS in turn when a sweep is explained by the remembered failures.</summary>
    public const int SafetyChecksPerSweep = 2;

    private int _safetyCursor;

    private async Task<bool> FindFailuresAsync(List<DaliGearState> answering, bool lampYes, bool gearYes, Action counted, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var asked = new HashSet<DaliGearState>();
        foreach (var gear in answering.Where(g => g.LevelMasked != IsFailing(g)).ToList())
        {
            if (!await AskStatusAsync(gear, counted, now, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            asked.Add(gear);
        }

        if (ExplainedByRememberedFailures(answering, lampYes, gearYes))
        {
            foreach (var gear in NextSafetyChecks(answering, asked))
            {
                if (!await AskStatusAsync(gear, counted, now, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                asked.Add(gear);
            }

            // The remembered failures explain the line's YES, so every other answering gear is healthy (a gear first seen
            // in this sweep gets its "no failure" reading now rather than staying unknown).
            foreach (var gear in answering.Where(g => !IsFailing(g) && !asked.Contains(g)))
            {
                await UpdateFailuresAsync(gear, false, false, now, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }

        var candidates = await NarrowByGroupsAsync(answering, lampYes, gearYes, counted, cancellationToken).ConfigureAwait(false);
        foreach (var gear in candidates.Where(g => !asked.Contains(g)))
        {
            if (!await AskStatusAsync(gear, counted, now, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        foreach (var gear in answering.Except(candidates).Where(g => !asked.Contains(g)))
        {
            await UpdateFailuresAsync(gear, false, false, now, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private static bool IsFailing(DaliGearState gear) => gear.LampFailure == true || gear.GearFailure == true;

    private static bool ExplainedByRememberedFailures(List<DaliGearState> answering, bool lampYes, bool gearYes)
    {
        var failing = answering.Where(IsFailing).ToList();
        return failing.Count > 0
            && failing.All(g => g.LevelMasked)
            && (!lampYes || failing.Any(g => g.LampFailure == true))
            && (!gearYes || failing.Any(g => g.GearFailure == true));
    }

    private List<DaliGearState> NextSafetyChecks(List<DaliGearState> answering, HashSet<DaliGearState> asked)
    {
        var picked = new List<DaliGearState>();
        for (int step = 0; step < Gear.Count && picked.Count < SafetyChecksPerSweep; step++)
        {
            var gear = Gear[_safetyCursor];
            _safetyCursor = (_safetyCursor + 1) % Gear.Count;
            if (!IsFailing(gear) && !asked.Contains(gear) && answering.Contains(gear))
            {
                picked.Add(gear);
            }
        }

        return picked;
    }

    private async Task<bool> AskStatusAsync(DaliGearState gear, Action counted, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var status = await QueryAsync(DaliGear.QueryStatus(DaliAddress.Short(gear.Definition.Address)), counted, cancellationToken).ConfigureAwait(false);
        if (!await BusOkAsync(status, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        if (status.AsStatus() is { } bits)
        {
            await UpdateFailuresAsync(gear, bits.HasFlag(DaliGearStatus.LampFailure), bits.HasFlag(DaliGearStatus.ControlGearFailure), now, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private async Task<List<DaliGearState>> NarrowByGroupsAsync(List<DaliGearState> answering, bool lamp, bool gearFailure, Action counted, CancellationToken cancellationToken)
    {
        var groups = Enumerable.Range(0, DaliAddress.MaxGroup + 1)
            .Where(group => answering.Any(g => (g.Definition.Groups & (1 << group)) != 0))
            .ToList();
        if (groups.Count == 0)
        {
            return answering;
        }

        ushort suspect = 0;
        foreach (int group in groups)
        {
            bool yes = false;
            if (lamp)
            {
                var r = await QueryAsync(DaliGear.QueryLampFailure(DaliAddress.Group(group)), counted, cancellationToken).ConfigureAwait(false);
                yes |= r.AsYes() == true;
            }

            if (gearFailure && !yes)
            {
                var r = await QueryAsync(DaliGear.QueryControlGearFailure(DaliAddress.Group(group)), counted, cancellationToken).ConfigureAwait(false);
                yes |= r.AsYes() == true;
            }

            if (yes)
            {
                suspect |= (ushort)(1 << group);
            }
        }

        if (suspect == 0)
        {
            // The line said YES but no configured group did: the gear's real groups differ from the configuration. Ask everyone.
            return answering;
        }

        // Gear in no group cannot be cleared by a group query.
        return answering.Where(g => g.Definition.Groups == 0 || (g.Definition.Groups & suspect) != 0).ToList();
    }
}
