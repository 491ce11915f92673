namespace City.Contract;

/// <summary>A gateway's name in the contract: 1-64 characters of A-Z a-z 0-9 . _ -, as it appears in every topic and envelope.</summary>
public static class GatewayIds
{
    public const int MaxLength = 64;

    public static bool IsValid(string? gatewayId)
    {
        if (string.IsNullOrEmpty(gatewayId) || gatewayId.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in gatewayId)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
