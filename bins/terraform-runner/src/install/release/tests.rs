use super::*;

fn linux() -> Platform {
    Platform {
        os: "linux".into(),
        arch: "amd64".into(),
    }
}

#[test]
fn terraform_and_tofu_name_their_files_as_published() {
    let v = Version::new(1, 9, 8);
    assert_eq!(
        Engine::Terraform.urls("https://releases.hashicorp.com/", &v, &linux()),
        (
            "https://releases.hashicorp.com/terraform/1.9.8/terraform_1.9.8_linux_amd64.zip".into(),
            "https://releases.hashicorp.com/terraform/1.9.8/terraform_1.9.8_SHA256SUMS".into()
        )
    );
    assert_eq!(
        Engine::Tofu.urls(Engine::Tofu.default_download_url(), &v, &linux()),
        (
            "https://github.com/opentofu/opentofu/releases/download/v1.9.8/tofu_1.9.8_linux_amd64.zip"
                .into(),
            "https://github.com/opentofu/opentofu/releases/download/v1.9.8/tofu_1.9.8_SHA256SUMS"
                .into()
        )
    );
    assert_eq!(
        Engine::Terraform.default_index_url("http://127.0.0.1:9/"),
        "http://127.0.0.1:9/terraform/index.json"
    );
}

#[test]
fn the_hashicorp_index_lists_versions_with_a_build_for_the_platform() {
    let index = br#"{"name": "terraform", "versions": {
        "1.9.8": {"name": "terraform", "version": "1.9.8", "builds": [{"os": "linux", "arch": "amd64", "filename": "x"}]},
        "1.10.0": {"name": "terraform", "version": "1.10.0", "builds": [{"os": "darwin", "arch": "arm64"}]},
        "1.11.0-rc1": {"builds": [{"os": "linux", "arch": "amd64"}]},
        "1.10.5": {"builds": [{"os": "linux", "arch": "amd64"}]}}}"#;
    let versions = Engine::Terraform.versions(index, &linux()).unwrap();
    let names: Vec<String> = versions.iter().map(ToString::to_string).collect();
    assert_eq!(names, ["1.11.0-rc1", "1.10.5", "1.9.8"]);
}

#[test]
fn the_tofu_index_lists_versions_with_the_archive_for_the_platform() {
    let index = br#"{"versions": [
        {"id": "1.8.1", "files": ["tofu_1.8.1_linux_amd64.zip", "tofu_1.8.1_SHA256SUMS"]},
        {"id": "1.8.0", "files": ["tofu_1.8.0_darwin_arm64.zip"]},
        {"id": "1.7.3", "files": ["tofu_1.7.3_linux_amd64.zip"]}]}"#;
    let versions = Engine::Tofu.versions(index, &linux()).unwrap();
    assert_eq!(versions, [Version::new(1, 8, 1), Version::new(1, 7, 3)]);
    assert!(Engine::Tofu.versions(b"{}", &linux()).is_err());
}

#[test]
fn sha256sums_entries_are_found_by_exact_file_name() {
    let a = "a".repeat(64);
    let b = "B".repeat(64);
    let sums =
        format!("{a}  terraform_1.9.8_darwin_amd64.zip\n{b}  terraform_1.9.8_linux_amd64.zip\n");
    assert_eq!(
        sum_of(&sums, "terraform_1.9.8_linux_amd64.zip"),
        Some("b".repeat(64))
    );
    assert_eq!(sum_of(&sums, "terraform_1.9.8_linux_amd64"), None);
    assert_eq!(sum_of("nothex  f.zip", "f.zip"), None);
}
