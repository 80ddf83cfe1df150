using System.Security.Cryptography;
using MiniDns.Wire;

namespace MiniDns.Tsig;

/// <summary>
/// A TSIG key (RFC 8945): its name (lower case, wire form), its HMAC algorithm and its secret. HMAC-SHA256
/// is the one to use; SHA-512 and SHA-1 are there for peers that ask for them.
/// </summary>
public sealed record TsigKey(byte[] Name, string Algorithm, byte[] Secret)
{
    public const string HmacSha256 = "hmac-sha256", HmacSha512 = "hmac-sha512", HmacSha1 = "hmac-sha1";

    public static readonly IReadOnlyList<string> Algorithms = [HmacSha256, HmacSha512, HmacSha1];

    /// <summary>The algorithm as the TSIG record names it: "hmac-sha256." in wire form.</summary>
    public byte[] AlgorithmName { get; } = WireName(Algorithm);

    /// <summary>Bytes of a full MAC, and of the secret a new key gets (the hash's own length, as tsig-keygen makes them).</summary>
    public int MacSize => MacSizeOf(Algorithm);

    public static int MacSizeOf(string algorithm) => algorithm switch
    {
        HmacSha256 => 32,
        HmacSha512 => 64,
        HmacSha1 => 20,
        _ => throw new ArgumentException($"'{algorithm}' is not a TSIG algorithm ({string.Join(", ", Algorithms)})"),
    };

    public byte[] Mac(ReadOnlySpan<byte> data) => Algorithm switch
    {
        HmacSha256 => HMACSHA256.HashData(Secret, data),
        HmacSha512 => HMACSHA512.HashData(Secret, data),
        _ => HMACSHA1.HashData(Secret, data),
    };

    /// <summary>A new key with a random secret.</summary>
    public static TsigKey Generate(byte[] name, string algorithm) => new(DnsName.ToLowerCopy(name), algorithm, RandomNumberGenerator.GetBytes(MacSizeOf(algorithm)));

    /// <summary>The algorithm a TSIG record names, if it is one we have.</summary>
    public static string? AlgorithmFrom(ReadOnlySpan<byte> wireName)
    {
        foreach (var algorithm in Algorithms)
        {
            if (DnsName.EqualsIgnoreCase(wireName, WireName(algorithm)))
                return algorithm;
        }
        return null;
    }

    /// <summary>The key as BIND's tsig-keygen prints it, which NSD, Knot and BIND take as they are.</summary>
    public string ToBindConfig() => $"key \"{NameText.Format(Name).TrimEnd('.')}\" {{\n\talgorithm {Algorithm};\n\tsecret \"{Convert.ToBase64String(Secret)}\";\n}};";

    private static byte[] WireName(string algorithm) =>
        NameText.TryParse(algorithm + ".", [], out var name, out _) ? DnsName.ToLowerCopy(name) : throw new ArgumentException(algorithm);
}
