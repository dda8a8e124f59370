import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { StoreModuleOptions } from './interfaces/store-options.interface.js';

/** Extra `forRoot` / `forRootAsync` options that shape the module itself. */
export interface StoreModuleExtras {
  /** Register `StoreService` globally, so feature modules need not import `StoreModule`. Default `false`. */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass: StoreConfigurableModule,
  MODULE_OPTIONS_TOKEN: STORE_MODULE_OPTIONS,
  OPTIONS_TYPE: STORE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: STORE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<StoreModuleOptions>({ moduleName: 'Store' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createStoreOptions')
  .setExtras<StoreModuleExtras>({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
