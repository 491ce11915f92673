namespace City.Central.Configuration;

/// <summary>
/// Retention (<c>Central:Retention</c>): raw readings older than <see cref="RawDays"/> days are folded into hourly aggregates and
/// dropped; hourly aggregates older than <see cref="AggregateDays"/> days dropped; 0 keeps them forever. The hosted service
/// applies it every <see cref="CheckMinutes"/>.
/// </summary>
internal sealed class RetentionSettings
{
    public int RawDays { get; set; }

    public int AggregateDays { get; set; }

    public int CheckMinutes { get; set; } = 60;

    /// <summary>On LiteDB, raw batches are folded into per-point chunks this long after they arrive (late batches of the same hour wait that long).</summary>
    public int FoldAfterSeconds { get; set; } = 15;

    /// <summary>Problems, each naming its key (prefix such as "Central:Retention:").</summary>
    public IEnumerable<string> Validate(string prefix)
    {
        if (RawDays < 0)
        {
            yield return $"{prefix}RawDays: {RawDays} is negative (0 keeps raw readings forever).";
        }

        if (AggregateDays < 0)
        {
            yield return $"{prefix}AggregateDays: {AggregateDays} is negative (0 keeps hourly aggregates forever).";
        }

        if (AggregateDays > 0 && RawDays > 0 && AggregateDays < RawDays)
        {
            yield return $"{prefix}AggregateDays: {AggregateDays} is shorter than RawDays ({RawDays}): aggregates would be dropped before the raw readings they summarise.";
        }

        if (FoldAfterSeconds < 1)
        {
            yield return $"{prefix}FoldAfterSeconds: {FoldAfterSeconds} must be at least 1.";
        }

        if (CheckMinutes < 1)
        {
            yield return $"{prefix}CheckMinutes: {CheckMinutes} must be at least 1.";
        }
    }
}
