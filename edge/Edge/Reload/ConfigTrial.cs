using City.Edge.Devices;

namespace City.Edge.Reload;

internal enum TrialDecision
{
    /// <summary>Not decided yet: no device answered and the grace period runs.</summary>
    Wait,

    /// <summary>The configuration stays.</summary>
    Keep,

    /// <summary>No device answered within the grace period while the previous configuration had some that did: put it back.</summary>
    RollBack,
}

/// <summary>
/// The grace period of a newly applied configuration. It is kept as soon as one of its devices answers, or at once when
/// the previous one had no device answering (nothing to go back to that worked better) or it has no enabled device (a
/// cabinet emptied on purpose); it is rolled back when the grace period ends with none answering.
/// </summary>
internal sealed class ConfigTrial(DateTimeOffset startedAt, TimeSpan grace, bool previousHadAnswers)
{
    public DateTimeOffset StartedAt { get; } = startedAt;

    public TimeSpan Grace { get; } = grace;

    public bool PreviousHadAnswers { get; } = previousHadAnswers;

    public TrialDecision Decide(DateTimeOffset now, int enabledDevices, int answeringDevices)
    {
        if (!PreviousHadAnswers || enabledDevices == 0 || answeringDevices > 0)
        {
            return TrialDecision.Keep;
        }

        return now - StartedAt >= Grace ? TrialDecision.RollBack : TrialDecision.Wait;
    }

    /// <summary>The enabled devices of <paramref name="state"/>, and those that answered at least one poll.</summary>
    public static (int Enabled, int Answering) Count(EdgeState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var enabled = state.Devices.Where(d => d.Enabled).ToList();
        return (enabled.Count, enabled.Count(d => d.Snapshot().PollsOk > 0));
    }
}
