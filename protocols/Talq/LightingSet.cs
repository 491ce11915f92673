using System.Security.Cryptography;
using System.Text.Json;

namespace City.Protocols.Talq;

/// <summary>What central pushes to one gateway and the edge stores and runs.</summary>
public sealed class LightingSet
{
    public string Version { get; set; } = "";

    public DateTimeOffset IssuedAt { get; set; }

    /// <summary>Hour (0 or 12) at which a program day starts; 12 = a night belongs to the day it starts.</summary>
    public int DayOffset { get; set; } = 12;

    public List<TalqCalendar> Calendars { get; set; } = [];

    public List<TalqControlProgram> ControlPrograms { get; set; } = [];

    public List<LightingAssignment> Assignments { get; set; } = [];

    /// <summary>16 lowercase hex digits of the SHA-256 of the canonical JSON without version and issuedAt.</summary>
    public string ComputeVersion()
    {
        var canonical = new CanonicalLightingSet
        {
            DayOffset = DayOffset,
            Calendars = Calendars,
            ControlPrograms = ControlPrograms,
            Assignments = Assignments,
        };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(canonical, TalqCanonicalContext.Default.CanonicalLightingSet);
        return Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 8));
    }
}

/// <summary>A calendar run on a DALI line's group (or the whole line when Group is null).</summary>
public sealed class LightingAssignment
{
    public string Line { get; set; } = "";

    public int? Group { get; set; }

    public string Calendar { get; set; } = "";
}
