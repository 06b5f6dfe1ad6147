import type { UserWorkspaceConfig } from 'vitest/config'
export declare function sluiceProject(name: string, overrides?: UserWorkspaceConfig): UserWorkspaceConfig
